import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { REPO_ROOT } from '@mythical/stack'
import { COMPOSE_EXCLUSIONS, playwrightRuns } from '../../../src/compose/e2e-plan.ts'

const specs = readdirSync(join(REPO_ROOT, 'e2e', 'specs')).filter((f) => f.endsWith('.spec.ts'))

describe('test:compose e2e plan', () => {
  it('names only specs that exist, each with a reason', () => {
    for (const exclusion of COMPOSE_EXCLUSIONS) {
      assert.ok(specs.includes(exclusion.spec), exclusion.spec)
      assert.ok(exclusion.reason.length > 20, exclusion.spec)
    }
  })

  it('runs every other spec, the refusal-heavy one last and its spaced tests after the window', () => {
    const runs = playwrightRuns(
      ['a.spec.ts', 'tb12-system-databases.spec.ts', 'tb03-web-gateway.spec.ts'],
      60,
    )
    assert.deepEqual(
      runs.map((run) => [run.args.at(-1), run.pauseSeconds]),
      [
        ['specs/a.spec.ts', 0],
        ['specs/tb03-web-gateway.spec.ts', 0],
        ['specs/tb03-web-gateway.spec.ts', 61],
      ],
    )
    const [first, second, third] = runs.map((run) => run.args)
    const leftOut = new RegExp(first?.[1] ?? '')
    assert.ok(leftOut.test('TB03 › IdP down: a token the gateway has not introspected yet'))
    assert.ok(!leftOut.test('TB03 › a valid token passes'))
    assert.ok(new RegExp(second?.[1] ?? '').test('TB03 › an unsigned JWT (alg: none)'))
    assert.deepEqual(third?.slice(0, 1), ['--grep'])
    assert.ok(new RegExp(third?.[1] ?? '').test('TB03 › an unsigned JWT (alg: none)'))
    assert.ok(!new RegExp(third?.[1] ?? '').test('TB03 › a replayed proof'))
  })
})
