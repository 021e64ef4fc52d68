/**
 * payments-api's effect of `order.placed`: the order's payment is settled and recorded, exactly
 * once. Runs inside the event consumer's inbox transaction (`consumeEvents`), so the payment row
 * and the inbox row commit together or not at all:
 *
 * 1. the order is read from the verified event (anything malformed fails: requeued, then
 *    dead-lettered at the queue's delivery limit — never half-settled);
 * 2. a payment already recorded for the order (another message of the same order) → nothing;
 * 3. the card is detokenized at the vault (TB07: mTLS with the cardvault certificate, nested
 *    JWS+JWE request, signed answer encrypted to payments-api). The vault down or refusing → the
 *    error propagates: rolled back, the message requeued and retried after a pause;
 * 4. the acquirer settles or declines; the payment row is written in the customer's
 *    row-level-security scope with the token, brand and last four digits — the card number stays
 *    in this function's memory and is gone when it returns;
 * 5. one audit record per settlement decision (`payment.settled`, `payment.declined`,
 *    `payment.already_recorded`), on the order's trace.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type pg from 'pg'
import { childTraceparent, parseTraceparent, type AuditLogger } from '@mythical/audit'
import type { CardVaultClient } from '@mythical/cardvault-client'
import { CUSTOMER_SETTING } from '@mythical/db'
import type { VerifiedEvent } from '@mythical/events'
import type { Acquirer } from './acquirer.ts'
import { orderToSettle, type OrderToSettle } from './order-to-settle.ts'

/** Audit reason codes of the settlement decisions. */
export const SETTLEMENT_REASONS = {
  settled: 'payment.settled',
  declined: 'payment.declined',
  alreadyRecorded: 'payment.already_recorded',
} as const

/** The audit route of the vault call a settlement makes. */
const DETOKENIZE_ROUTE = 'POST /detokenize'

/** Pause before a failed vault call gives the message back: the queue's delivery limit (5) then spans an outage of about half a minute, not a burst of instant retries. */
export const VAULT_RETRY_PAUSE_MS = 5_000

export interface SettlementOptions {
  readonly vault: Pick<CardVaultClient, 'detokenize'>
  readonly acquirer: Acquirer
  readonly audit: AuditLogger
  /** Workload id of the vault, the `audience` of the audit records. */
  readonly vaultId: string
  readonly retryPauseMs?: number
}

async function alreadyRecorded(db: pg.PoolClient, order: OrderToSettle): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM payments WHERE order_id = $1', [order.orderId])
  return rowCount !== 0
}

/**
 * The `handle` of payments-api's `order.placed` consumer.
 *
 * @example
 * ```ts
 * await runOrderPlacedSubscriber('payments-api', config, settleOrders({ vault, acquirer, audit, vaultId }))
 * ```
 */
export function settleOrders(options: SettlementOptions) {
  const { vault, acquirer, audit } = options
  return async function settleOrder(event: VerifiedEvent, db: pg.PoolClient): Promise<void> {
    const order = orderToSettle(event.data)
    // The vault call is a span of the message's trace: the order's own (the relay's traceparent).
    const vaultCall = childTraceparent(parseTraceparent(event.traceparent))
    const record = {
      traceId: vaultCall.context.traceId,
      boundary: 'TB07',
      audience: options.vaultId,
      route: DETOKENIZE_ROUTE,
      subject: order.customer,
      tokenId: event.id,
    } as const
    // Row-level security: the payment is read and written in that customer's scope.
    await db.query('SELECT set_config($1, $2, true)', [CUSTOMER_SETTING, order.customer])
    if (await alreadyRecorded(db, order)) {
      audit.decision({ ...record, decision: 'allow', reason: SETTLEMENT_REASONS.alreadyRecorded })
      return
    }
    let outcome: ReturnType<Acquirer>
    try {
      const card = await vault.detokenize(order.card.token, vaultCall.traceparent)
      outcome = acquirer({ card, amountCents: order.totalCents, currency: order.currency })
    } catch (error) {
      await sleep(options.retryPauseMs ?? VAULT_RETRY_PAUSE_MS)
      throw error
    }
    await db.query(
      `INSERT INTO payments (order_id, customer_id, card_token, card_brand, card_last4,
                             amount_cents, currency, status, settled_at, decline_reason, trace_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        order.orderId,
        order.customer,
        order.card.token,
        order.card.brand,
        order.card.last4,
        order.totalCents,
        order.currency,
        outcome.status,
        outcome.status === 'settled' ? outcome.settledAt : null,
        outcome.status === 'declined' ? outcome.reason : null,
        order.traceId,
      ],
    )
    audit.decision({
      ...record,
      decision: outcome.status === 'settled' ? 'allow' : 'deny',
      reason:
        outcome.status === 'settled' ? SETTLEMENT_REASONS.settled : SETTLEMENT_REASONS.declined,
    })
  }
}
