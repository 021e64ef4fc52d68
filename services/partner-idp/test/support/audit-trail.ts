/**
 * Binds an audit record to the one request that caused it: each request carries a fresh W3C
 * `traceparent`, and the partner IdP stamps its trace id on every record it writes for that
 * request (`src/audit/audit-sink.ts`). "The last record has reason R" would also pass on a record
 * left by an earlier request; "the record of *this* trace has reason R" cannot.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { AuditRecord } from '@mythical/audit'

/** A fresh trace: the header to send and the id to look the records up by. */
export interface Trace {
  readonly traceId: string
  /** `{ traceparent }`, ready to spread into request headers. */
  readonly headers: { traceparent: string }
}

/** A new, random W3C trace context (version 00, sampled). */
export function newTrace(): Trace {
  const traceId = randomBytes(16).toString('hex')
  const parentId = randomBytes(8).toString('hex')
  return { traceId, headers: { traceparent: `00-${traceId}-${parentId}-01` } }
}

/** What the one record of a request must say. */
export interface ExpectedDecision {
  decision: 'allow' | 'deny'
  reason: string
  /** Values (tokens, the retail `sub`, secrets) that must not appear in the record. */
  secrets?: readonly string[]
}

/**
 * Asserts the request of `trace` left exactly one audit record, on boundary TB10, with the
 * expected decision and reason and none of `secrets`; returns it.
 */
export function assertDecision(
  records: readonly AuditRecord[],
  trace: Trace,
  expected: ExpectedDecision,
): AuditRecord {
  const own = records.filter((record) => record.traceId === trace.traceId)
  assert.equal(own.length, 1, `one audit record for this request, got ${JSON.stringify(own)}`)
  const record = own[0] as AuditRecord
  assert.equal(record.decision, expected.decision)
  assert.equal(record.reason, expected.reason)
  assert.equal(record.boundary, 'TB10')
  const text = JSON.stringify(record)
  for (const secret of expected.secrets ?? []) {
    assert.ok(secret.length >= 5, 'a value to look for is long enough to be meaningful')
    assert.ok(!text.includes(secret), 'the audit record carries no token, secret or retail sub')
  }
  return record
}
