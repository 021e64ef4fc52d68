import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from '@mythical/stack'
import { COMPOSE_EXCLUSIONS, playwrightArguments } from '../../../src/compose/e2e-plan.ts'

const specs = readdirSync(join(REPO_ROOT, 'e2e', 'specs')).filter((f) => f.endsWith('.spec.ts'))

describe('test:compose e2e plan', () => {
  it('names only specs that exist, each with a reason', () => {
    for (const exclusion of COMPOSE_EXCLUSIONS) {
      assert.ok(specs.includes(exclusion.spec), exclusion.spec)
      assert.ok(exclusion.reason.length > 20, exclusion.spec)
    }
  })

  it('runs every other spec file and leaves single tests out by title', () => {
    const args = playwrightArguments([
      'a.spec.ts',
      'tb12-system-databases.spec.ts',
      'tb03-web-gateway.spec.ts',
    ])
    assert.deepEqual(args.slice(-2), ['specs/a.spec.ts', 'specs/tb03-web-gateway.spec.ts'])
    assert.equal(args[0], '--grep-invert')
    const pattern = new RegExp(args[1] ?? '')
    assert.ok(pattern.test('TB03 › IdP down: a token the gateway has not introspected yet'))
    assert.ok(!pattern.test('TB03 › a valid token passes'))
  })
})
