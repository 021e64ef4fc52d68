/**
 * The traceability matrix (`docs/traceability.md`): every trust boundary of SCENARIO.md
 * (`TRUST_BOUNDARIES`), the pattern docs that explain it, and every check that proves it — the
 * e2e and integration test titles, with their spec files. Generated from the sources, never
 * written by hand: `pnpm docs:traceability` rewrites it, and a unit test fails when the committed
 * file is stale (like the compose drift test).
 *
 * Where a check belongs:
 * - an e2e spec named `tbNN-*.spec.ts` proves TBNN;
 * - any spec or integration test file names its boundaries in a `describe(…)` title (`(TB06, …)`),
 *   which covers every test in the file, or a single test names one in its own title;
 * - a pattern doc belongs to the boundaries named in its head (before its first `## ` section).
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import {
  REPO_ROOT,
  TRUST_BOUNDARIES,
  TRUST_BOUNDARY_IDS,
  type TrustBoundaryId,
} from '@mythical/stack'

/** Where the matrix is written, relative to the repository root. */
export const TRACEABILITY_FILE = 'docs/traceability.md'
export const TRACEABILITY_COMMAND = 'pnpm docs:traceability'

/** One check: a test title and the file it is in. */
export interface Check {
  readonly title: string
  /** Repository-relative path of the spec or test file. */
  readonly file: string
  readonly kind: 'e2e' | 'integration'
}

const BOUNDARY = /TB(0[1-9]|1[0-4])/g
const TEST_CALL = /\b(?:test|it)(?:\.only|\.skip|\.fixme)?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*?)\1/g
const DESCRIBE_CALL =
  /\bdescribe(?:\.serial|\.only|\.skip|\.parallel)?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*?)\1/g

const boundariesIn = (text: string): TrustBoundaryId[] =>
  [...text.matchAll(BOUNDARY)].map((m) => `TB${m[1]}` as TrustBoundaryId)

/** Files under `dir` (recursively) whose name ends with `suffix`, sorted. */
function filesUnder(dir: string, suffix: string): string[] {
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch {
    return []
  }
  return entries
    .flatMap((e) =>
      e.isDirectory()
        ? filesUnder(join(dir, e.name), suffix)
        : e.name.endsWith(suffix)
          ? [join(dir, e.name)]
          : [],
    )
    .sort()
}

/** The test titles of one file with the boundaries each proves. */
export function checksOfFile(
  source: string,
  file: string,
  kind: Check['kind'],
): { boundary: TrustBoundaryId; check: Check }[] {
  const fromName = /(?:^|\/)tb(0[1-9]|1[0-4])-[^/]*$/.exec(file)
  const fileBoundaries = new Set<TrustBoundaryId>([
    ...(fromName ? [`TB${fromName[1]}` as TrustBoundaryId] : []),
    ...[...source.matchAll(DESCRIBE_CALL)].flatMap((m) => boundariesIn(m[2] ?? '')),
  ])
  return [...source.matchAll(TEST_CALL)].flatMap((m) => {
    const title = (m[2] ?? '').replace(/\s+/g, ' ').trim()
    const boundaries = new Set([...fileBoundaries, ...boundariesIn(title)])
    return [...boundaries].map((boundary) => ({ boundary, check: { title, file, kind } }))
  })
}

/** Pattern docs (repository-relative) by the boundaries their head names. */
export function patternDocs(root = REPO_ROOT): Map<TrustBoundaryId, string[]> {
  const docs = new Map<TrustBoundaryId, string[]>()
  for (const path of filesUnder(join(root, 'docs', 'patterns'), '.md')) {
    const head = readFileSync(path, 'utf8').split(/\n## /, 1)[0] ?? ''
    for (const boundary of new Set(boundariesIn(head))) {
      docs.set(boundary, [...(docs.get(boundary) ?? []), relative(root, path)])
    }
  }
  return docs
}

/** Every check of the repository, by boundary. */
export function collectChecks(root = REPO_ROOT): Map<TrustBoundaryId, Check[]> {
  const sources: [string, Check['kind']][] = [
    ...filesUnder(join(root, 'e2e', 'specs'), '.spec.ts').map((f): [string, Check['kind']] => [
      f,
      'e2e',
    ]),
    ...[
      ...readdirSync(join(root, 'services')).map((s) =>
        join(root, 'services', s, 'test', 'integration'),
      ),
      join(root, 'infra', 'test', 'integration'),
      join(root, 'web', 'test', 'integration'),
    ].flatMap((dir) =>
      filesUnder(dir, '.test.ts').map((f): [string, Check['kind']] => [f, 'integration']),
    ),
  ]
  const checks = new Map<TrustBoundaryId, Check[]>()
  for (const [path, kind] of sources) {
    for (const { boundary, check } of checksOfFile(
      readFileSync(path, 'utf8'),
      relative(root, path),
      kind,
    )) {
      checks.set(boundary, [...(checks.get(boundary) ?? []), check])
    }
  }
  return checks
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('`', "'")
/** Links from `docs/traceability.md` to a repository file. */
const link = (file: string) =>
  `[${file.split('/').at(-1)}](${file.startsWith('docs/') ? file.slice(5) : `../${file}`})`

/** The matrix as Markdown. */
export function renderTraceability(root = REPO_ROOT): string {
  const docs = patternDocs(root)
  const checks = collectChecks(root)
  const lines = [
    '# Traceability matrix',
    '',
    `<!-- Generated by \`${TRACEABILITY_COMMAND}\` (infra/src/docs/traceability.ts) from TRUST_BOUNDARIES,`,
    '     docs/patterns/ and the e2e and integration test titles. Do not edit by hand: a unit test fails',
    '     when this file is stale. -->',
    '',
    'Every trust boundary ([`TRUST_BOUNDARIES`](../packages/stack/src/trust-boundaries.ts)) with the pattern docs that explain it and the',
    'checks that prove it: each e2e spec and integration test title, and the file it is in. A check',
    'belongs to a boundary through its spec file name (`tbNN-*.spec.ts`), a `describe` title naming',
    'the boundary, or its own title.',
    '',
    '| boundary | accepts | pattern docs | e2e checks | integration checks |',
    '| --- | --- | --- | --- | --- |',
  ]
  for (const id of TRUST_BOUNDARY_IDS) {
    const boundary = TRUST_BOUNDARIES[id]
    const own = checks.get(id) ?? []
    const count = (kind: Check['kind']) => own.filter((c) => c.kind === kind).length
    lines.push(
      `| [${id}](#${id.toLowerCase()}) ${cell(boundary.name)} | ${cell(boundary.accepts)} | ${(docs.get(id) ?? []).map(link).join(', ') || 'none'} | ${count('e2e')} | ${count('integration')} |`,
    )
  }
  for (const id of TRUST_BOUNDARY_IDS) {
    const boundary = TRUST_BOUNDARIES[id]
    lines.push('', `## ${id}`, '', `**${boundary.name}** — accepts ${boundary.accepts}.`, '')
    lines.push(`Patterns: ${(docs.get(id) ?? []).map(link).join(', ') || 'none yet'}.`, '')
    const own = checks.get(id) ?? []
    if (own.length === 0) {
      lines.push('No check names this boundary yet.')
      continue
    }
    lines.push('| check | kind | spec file |', '| --- | --- | --- |')
    for (const check of own)
      lines.push(`| ${cell(check.title)} | ${check.kind} | ${link(check.file)} |`)
  }
  return `${lines.join('\n')}\n`
}
