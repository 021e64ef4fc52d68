/**
 * docs/traceability.md is generated: it must be what the generator produces from the current
 * boundaries, pattern docs and test titles (like the compose drift test), with a row and a
 * pattern doc for every boundary. The title parser is pinned on small sources.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT, TRUST_BOUNDARY_IDS } from '@mythical/stack'
import {
  checksOfFile,
  patternDocs,
  renderTraceability,
  TRACEABILITY_COMMAND,
  TRACEABILITY_FILE,
} from '../../../src/docs/traceability.ts'

describe('docs/traceability.md', () => {
  it('is what the generator produces from the sources (not stale)', () => {
    const committed = readFileSync(join(REPO_ROOT, TRACEABILITY_FILE), 'utf8')
    assert.equal(
      committed,
      renderTraceability(),
      `${TRACEABILITY_FILE} is stale: run \`${TRACEABILITY_COMMAND}\``,
    )
  })

  it('has a row for every boundary TB01–TB14, each linked to a pattern doc', () => {
    const docs = patternDocs()
    const text = renderTraceability()
    for (const id of TRUST_BOUNDARY_IDS) {
      assert.match(text, new RegExp(`^\\| \\[${id}\\]\\(#${id.toLowerCase()}\\) `, 'm'), id)
      assert.match(text, new RegExp(`^## ${id}$`, 'm'), id)
      assert.ok((docs.get(id) ?? []).length > 0, `${id} has a pattern doc`)
    }
  })
})

describe('checksOfFile', () => {
  it('files a tbNN spec under its boundary, with every test title', () => {
    const checks = checksOfFile(
      "test.describe('x', () => {\n  test('accepts the cookie', async () => {})\n  test(\"refuses `none`\", () => {})\n})",
      'e2e/specs/tb01-browser-bff.spec.ts',
      'e2e',
    )
    assert.deepEqual(
      checks.map((c) => `${c.boundary} ${c.check.title}`),
      ['TB01 accepts the cookie', 'TB01 refuses `none`'],
    )
  })

  it('takes boundaries from describe titles and from a test’s own title', () => {
    const checks = checksOfFile(
      "describe('orders-api (TB06, real PostgreSQL)', () => {\n  it('keeps rows apart (TB12)', () => {})\n  it(`refuses ${what}`, () => {})\n})",
      'services/orders-api/test/integration/orders.test.ts',
      'integration',
    )
    assert.deepEqual(
      checks.map((c) => `${c.boundary} ${c.check.title}`),
      ['TB06 keeps rows apart (TB12)', 'TB12 keeps rows apart (TB12)', 'TB06 refuses ${what}'],
    )
  })

  it('files nothing from a file that names no boundary', () => {
    assert.deepEqual(
      checksOfFile("it('works', () => {})", 'web/test/integration/x.test.ts', 'integration'),
      [],
    )
  })
})
