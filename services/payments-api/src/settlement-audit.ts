/**
 * The audit records of payments-api's settlement decisions: one per decision, at TB07 (the vault
 * leg), on the order's trace, naming the `order.placed` event it came from.
 *
 * @module
 */
import type { AuditLogger } from '@mythical/audit'

/** Audit reason codes of the settlement decisions. */
export const SETTLEMENT_REASONS = {
  settled: 'payment.settled',
  declined: 'payment.declined',
  alreadyRecorded: 'payment.already_recorded',
} as const

/** The audit route of the vault call a settlement makes. */
const DETOKENIZE_ROUTE = 'POST /detokenize'

export interface SettlementDecision {
  readonly traceId: string
  /** Workload id of the vault, the `audience` of the record. */
  readonly vaultId: string
  readonly customer: string
  /** Id of the `order.placed` event (the record's `tokenId`). */
  readonly eventId: string
  readonly reason: (typeof SETTLEMENT_REASONS)[keyof typeof SETTLEMENT_REASONS]
}

/** Writes one settlement decision: `payment.declined` is a deny, the others allow. */
export function auditSettlement(audit: AuditLogger, decision: SettlementDecision): void {
  audit.decision({
    traceId: decision.traceId,
    boundary: 'TB07',
    audience: decision.vaultId,
    route: DETOKENIZE_ROUTE,
    subject: decision.customer,
    tokenId: decision.eventId,
    decision: decision.reason === SETTLEMENT_REASONS.declined ? 'deny' : 'allow',
    reason: decision.reason,
  })
}
