import assert from 'node:assert/strict'
import { test } from 'node:test'
import { traceIdOf } from '../../src/index.ts'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'

test("the caller's trace id is kept", () => {
  assert.equal(traceIdOf(`00-${TRACE_ID}-b7ad6b7169203331-01`), TRACE_ID)
})

test('missing, malformed or repeated headers start a fresh trace', () => {
  const header = `00-${TRACE_ID}-b7ad6b7169203331-01`
  for (const value of [undefined, '', 'junk', [header, header]]) {
    const id = traceIdOf(value)
    assert.match(id, /^[0-9a-f]{32}$/)
    assert.notEqual(id, TRACE_ID)
  }
  assert.notEqual(traceIdOf(undefined), traceIdOf(undefined))
})
