/**
 * Binds an audit record to the one request that caused it: each refused request carries a fresh
 * W3C `traceparent`, and the IdP stamps that trace id on every record it writes for the request
 * (`src/audit/idp-audit.ts`). "Some record has reason R" would also match a record left by an
 * earlier test; "the record of *this* trace has reason R" cannot.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { AuditRecord } from '@mythical/audit'
import type { RunningIdp } from './idp-server.ts'

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

/** Every audit record written for one trace. */
export function recordsOf(run: RunningIdp, trace: Trace): AuditRecord[] {
  return run.audit.filter((record) => record.traceId === trace.traceId)
}

export interface ExpectedDenial {
  reason: string
  boundary: string
  /** Values of the request (tokens, codes, secrets) that must not appear in the record. */
  secrets?: readonly string[]
}

/**
 * Asserts the request of `trace` was refused with exactly one `deny` record carrying `reason` and
 * `boundary`, that nothing was allowed on that trace, and that no secret leaked into the record.
 * Returns the record.
 */
export function assertDenied(run: RunningIdp, trace: Trace, expected: ExpectedDenial): AuditRecord {
  const records = recordsOf(run, trace)
  const shown = JSON.stringify(records)
  const matching = records.filter((record) => record.reason === expected.reason)
  assert.equal(matching.length, 1, `one ${expected.reason} record for this request, got ${shown}`)
  assert.deepEqual(
    records.filter((record) => record.decision === 'allow'),
    [],
    'nothing was allowed on this request',
  )
  const record = matching[0] as AuditRecord
  assert.equal(record.decision, 'deny')
  assert.equal(record.boundary, expected.boundary)
  const text = JSON.stringify(record)
  for (const secret of expected.secrets ?? []) {
    assert.ok(secret.length >= 8, 'a secret to look for is long enough to be meaningful')
    assert.ok(!text.includes(secret), 'the audit record carries no token or secret')
  }
  return record
}
