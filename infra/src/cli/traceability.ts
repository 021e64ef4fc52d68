/**
 * Regenerates docs/traceability.md from the trust boundaries, the pattern docs and the test
 * titles: `pnpm docs:traceability` (add `--check` to only report staleness, exit 1).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from '@mythical/stack'
import { renderTraceability, TRACEABILITY_FILE } from '../docs/traceability.ts'

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } })
const file = join(REPO_ROOT, TRACEABILITY_FILE)
const text = renderTraceability()

if (values.check) {
  let current = ''
  try {
    current = readFileSync(file, 'utf8')
  } catch {
    // missing counts as stale
  }
  const upToDate = current === text
  console.log(upToDate ? `${TRACEABILITY_FILE} is up to date` : `${TRACEABILITY_FILE} is stale`)
  process.exitCode = upToDate ? 0 : 1
} else {
  writeFileSync(file, text)
  console.log(`wrote ${file}`)
}
