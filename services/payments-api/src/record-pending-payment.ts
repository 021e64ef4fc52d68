/**
 * payments-api's effect of `order.placed`, inside the event consumer's inbox transaction
 * (`consumeEvents`): the order's payment is recorded as `pending` and queued for the settlement
 * loop (`settle-payments.ts`), in that transaction, so payment, queue row and inbox row commit
 * together or not at all. No vault or acquirer call happens here: a vault outage can never hold
 * this transaction, the batch it belongs to, or the broker delivery.
 *
 * 1. the order is read from the verified event (anything malformed fails: requeued, then
 *    dead-lettered at the queue's delivery limit — never recorded half);
 * 2. the payment row is written in the customer's row-level-security scope with the token, brand
 *    and last four digits only; an order that already has one (another message of the same
 *    order) is left alone and audited `payment.already_recorded` (`payments.order_id` is UNIQUE);
 * 3. its `settlement_queue` row carries what the loop needs to settle it later: the customer
 *    (RLS scope), the event id (audit) and the order's trace context (the vault call's parent).
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { parseTraceparent, type AuditLogger } from '@mythical/audit'
import { CUSTOMER_SETTING } from '@mythical/db'
import type { VerifiedEvent } from '@mythical/events'
import { orderToSettle } from './order-to-settle.ts'
import { auditSettlement, SETTLEMENT_REASONS } from './settlement-audit.ts'

export interface PendingPaymentOptions {
  readonly audit: AuditLogger
  /** Workload id of the vault, the `audience` of the audit records. */
  readonly vaultId: string
}

/** The relay's trace context when the event carries a valid one; else a span of the order's trace. */
function parentOfVaultCall(event: VerifiedEvent, orderTraceId: string): string {
  const parent = parseTraceparent(event.traceparent)
  if (parent) return `00-${parent.traceId}-${parent.parentId}-${parent.flags}`
  return `00-${orderTraceId}-${randomBytes(8).toString('hex')}-01`
}

/**
 * The `handle` of payments-api's `order.placed` consumer.
 *
 * @example
 * ```ts
 * await runOrderPlacedSubscriber('payments-api', config, recordPendingPayments({ audit, vaultId }))
 * ```
 */
export function recordPendingPayments(options: PendingPaymentOptions) {
  return async function recordPendingPayment(
    event: VerifiedEvent,
    db: pg.PoolClient,
  ): Promise<void> {
    const order = orderToSettle(event.data)
    const traceparent = parentOfVaultCall(event, order.traceId)
    // Row-level security: the payment is written in that customer's scope.
    await db.query('SELECT set_config($1, $2, true)', [CUSTOMER_SETTING, order.customer])
    const { rowCount } = await db.query(
      `INSERT INTO payments (order_id, customer_id, card_token, card_brand, card_last4,
                             amount_cents, currency, status, trace_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8)
       ON CONFLICT (order_id) DO NOTHING`,
      [
        order.orderId,
        order.customer,
        order.card.token,
        order.card.brand,
        order.card.last4,
        order.totalCents,
        order.currency,
        order.traceId,
      ],
    )
    if (rowCount === 0) {
      auditSettlement(options.audit, {
        traceId: order.traceId,
        vaultId: options.vaultId,
        customer: order.customer,
        eventId: event.id,
        reason: SETTLEMENT_REASONS.alreadyRecorded,
      })
      return
    }
    await db.query(
      `INSERT INTO settlement_queue (order_id, customer_id, event_id, traceparent)
       VALUES ($1, $2, $3, $4)`,
      [order.orderId, order.customer, event.id, traceparent],
    )
  }
}
