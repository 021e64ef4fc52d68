import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AuditRecord } from '@mythical/audit'
import {
  assertDenied,
  assertOnlyDecision,
  captureAudit,
  newTrace,
  recordsOf,
} from '../src/index.ts'

const trace = newTrace()
const other = newTrace()
const deny: AuditRecord = {
  traceId: trace.traceId,
  boundary: 'TB02',
  decision: 'deny',
  reason: 'pkce.missing',
}

test('newTrace: a W3C traceparent carrying the trace id', () => {
  assert.match(trace.headers.traceparent, new RegExp(`^00-${trace.traceId}-[0-9a-f]{16}-01$`))
  assert.notEqual(trace.traceId, other.traceId)
})

test('captureAudit keeps the audit lines of a log stream, nothing else', async () => {
  const capture = captureAudit()
  const line = (value: object) => `${JSON.stringify(value)}\n`
  await new Promise<void>((resolve) =>
    capture.destination.write(line({ audit: true, ...deny }) + line({ msg: 'listening' }), () =>
      resolve(),
    ),
  )
  assert.deepEqual(
    capture.records.map((r) => r.reason),
    ['pkce.missing'],
  )
})

test('assertDenied finds the one deny record of the trace and refuses a wrong one', () => {
  const records = [deny, { ...deny, traceId: other.traceId, reason: 'other.reason' }]
  assert.deepEqual(recordsOf(records, trace), [deny])
  assert.equal(
    assertDenied({ audit: records }, trace, { reason: 'pkce.missing', boundary: 'TB02' }),
    deny,
  )
  assert.throws(() => assertDenied(records, trace, { reason: 'pkce.missing', boundary: 'TB03' }))
  assert.throws(() => assertDenied(records, other, { reason: 'pkce.missing', boundary: 'TB02' }))
  const withAllow = [...records, { ...deny, decision: 'allow' as const, reason: 'token.issued' }]
  assert.throws(() => assertDenied(withAllow, trace, { reason: 'pkce.missing', boundary: 'TB02' }))
})

test('a secret of the request found in the record fails the assertion', () => {
  const leaky = { ...deny, subject: 'code-1234567890' }
  assert.throws(
    () =>
      assertOnlyDecision([leaky], trace, {
        decision: 'deny',
        reason: 'pkce.missing',
        boundary: 'TB02',
        secrets: ['code-1234567890'],
      }),
    /carries no token/,
  )
})
