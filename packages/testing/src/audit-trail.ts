/**
 * Assertions on the audit records of one request (found by its trace id, see `trace.ts`): what
 * was decided, on which trust boundary, for which reason, and that no secret leaked into them.
 */
import assert from 'node:assert/strict'
import type { AuditRecord } from '@mythical/audit'
import type { TrustBoundaryId } from '@mythical/stack'
import type { Trace } from './trace.ts'

/** Records, or anything that holds them (e.g. a running IdP's `audit`). */
export type AuditSource = readonly AuditRecord[] | { readonly audit: readonly AuditRecord[] }

const recordsIn = (source: AuditSource): readonly AuditRecord[] =>
  'audit' in source ? source.audit : source

/** Every audit record written for one trace. */
export function recordsOf(source: AuditSource, trace: Trace): AuditRecord[] {
  return recordsIn(source).filter((record) => record.traceId === trace.traceId)
}

export interface ExpectedDecision {
  readonly reason: string
  readonly boundary: TrustBoundaryId
  /** Values of the request (tokens, codes, secrets) that must not appear in the record. */
  readonly secrets?: readonly string[]
}

function assertNoSecrets(record: AuditRecord, secrets: readonly string[] = []): void {
  const text = JSON.stringify(record)
  for (const secret of secrets) {
    assert.ok(secret.length >= 5, 'a value to look for is long enough to be meaningful')
    assert.ok(!text.includes(secret), 'the audit record carries no token, secret or foreign sub')
  }
}

/**
 * Asserts the request of `trace` was refused with exactly one `deny` record carrying `reason` and
 * `boundary`, that nothing was allowed on that trace, and that no secret leaked into the record.
 * Returns the record.
 *
 * @example assertDenied(run, trace, { reason: 'pkce.missing', boundary: 'TB02', secrets: [code] })
 */
export function assertDenied(
  source: AuditSource,
  trace: Trace,
  expected: ExpectedDecision,
): AuditRecord {
  const records = recordsOf(source, trace)
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
  assertNoSecrets(record, expected.secrets)
  return record
}

/**
 * Asserts the request of `trace` left exactly one audit record, with the expected decision,
 * reason and boundary and none of `secrets`; returns it.
 *
 * @example assertOnlyDecision(audit.records, trace, { decision: 'allow', reason: 'federation.issued', boundary: 'TB10' })
 */
export function assertOnlyDecision(
  source: AuditSource,
  trace: Trace,
  expected: ExpectedDecision & { readonly decision: 'allow' | 'deny' },
): AuditRecord {
  const own = recordsOf(source, trace)
  assert.equal(own.length, 1, `one audit record for this request, got ${JSON.stringify(own)}`)
  const record = own[0] as AuditRecord
  assert.equal(record.decision, expected.decision)
  assert.equal(record.reason, expected.reason)
  assert.equal(record.boundary, expected.boundary)
  assertNoSecrets(record, expected.secrets)
  return record
}
