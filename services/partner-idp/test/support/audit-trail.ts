/**
 * Every decision of the partner IdP is on the federation boundary (TB10): the request of a trace
 * must leave exactly one record there (`assertOnlyDecision` of `@mythical/testing`).
 */
import type { AuditRecord } from '@mythical/audit'
import { assertOnlyDecision, type AuditSource, type Trace } from '@mythical/testing'

/** What the one record of a request must say. */
export interface ExpectedDecision {
  decision: 'allow' | 'deny'
  reason: string
  /** Values (tokens, the retail `sub`, secrets) that must not appear in the record. */
  secrets?: readonly string[]
}

export function assertDecision(
  records: AuditSource,
  trace: Trace,
  expected: ExpectedDecision,
): AuditRecord {
  return assertOnlyDecision(records, trace, { ...expected, boundary: 'TB10' })
}
