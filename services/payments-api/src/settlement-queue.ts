/**
 * The settlement loop's statements on `settlement_queue` and `payments` (migration 0004). Each
 * call is one short transaction, committed before it returns: none is open while the loop
 * waits for the vault or the acquirer.
 *
 * @module
 */
import type pg from 'pg'
import { withCustomerScope } from '@mythical/db'
import type { ChargeOutcome } from './acquirer.ts'

/** A queued payment this worker holds until `next_attempt_at` (its lease). */
export interface SettlementClaim {
  readonly orderId: string
  readonly customer: string
  readonly eventId: string
  /** Trace context of the `order.placed` delivery; the vault call is its child span. */
  readonly traceparent: string
  /** Attempts so far, this one included. */
  readonly attempts: number
}

/** The pending payment as the settlement needs it: what to charge, on which token. */
export interface PendingPayment {
  readonly cardToken: string
  readonly amountCents: number
  readonly currency: string
  readonly status: string
}

/**
 * Claims up to `limit` due rows for `leaseMs`: rows another worker holds are skipped (`SKIP
 * LOCKED` while it claims; the lease afterwards), and a worker that dies leaves its rows due again
 * when the lease runs out. One statement, committed at once.
 */
export async function claimDueSettlements(
  pool: pg.Pool,
  limit: number,
  leaseMs: number,
): Promise<SettlementClaim[]> {
  const { rows } = await pool.query<{
    order_id: string
    customer_id: string
    event_id: string
    traceparent: string
    attempts: number
  }>(
    `UPDATE settlement_queue q
        SET attempts = q.attempts + 1,
            next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
      WHERE q.order_id IN (SELECT order_id FROM settlement_queue
                            WHERE next_attempt_at <= now()
                            ORDER BY next_attempt_at
                            LIMIT $1
                              FOR UPDATE SKIP LOCKED)
      RETURNING q.order_id, q.customer_id, q.event_id, q.traceparent, q.attempts`,
    [limit, leaseMs],
  )
  return rows.map((r) => ({
    orderId: r.order_id,
    customer: r.customer_id,
    eventId: r.event_id,
    traceparent: r.traceparent,
    attempts: r.attempts,
  }))
}

/** The claimed order's payment, read in its customer's row-level-security scope. */
export async function pendingPaymentOf(
  pool: pg.Pool,
  claim: SettlementClaim,
): Promise<PendingPayment | undefined> {
  const { rows } = await withCustomerScope(pool, claim.customer, (db) =>
    db.query<{ card_token: string; amount_cents: number; currency: string; status: string }>(
      'SELECT card_token, amount_cents, currency, status FROM payments WHERE order_id = $1',
      [claim.orderId],
    ),
  )
  const row = rows[0]
  return row
    ? {
        cardToken: row.card_token,
        amountCents: row.amount_cents,
        currency: row.currency,
        status: row.status,
      }
    : undefined
}

/** Puts a claimed row back, due again in `delayMs` (the back-off after a failed attempt). */
export async function deferSettlement(
  pool: pg.Pool,
  claim: SettlementClaim,
  delayMs: number,
): Promise<void> {
  await pool.query(
    `UPDATE settlement_queue
        SET next_attempt_at = now() + make_interval(secs => $2::double precision / 1000)
      WHERE order_id = $1`,
    [claim.orderId, delayMs],
  )
}

/** Drops a queue row whose payment is no longer pending (decided by an earlier attempt). */
export async function dropSettlement(pool: pg.Pool, claim: SettlementClaim): Promise<void> {
  await pool.query('DELETE FROM settlement_queue WHERE order_id = $1', [claim.orderId])
}

/**
 * Records the acquirer's outcome and removes the queue row in one transaction, in the
 * customer's scope. Only a pending payment changes (the table's trigger refuses any other).
 *
 * @returns whether this call decided the payment (false: it was already decided)
 */
export async function recordOutcome(
  pool: pg.Pool,
  claim: SettlementClaim,
  outcome: ChargeOutcome,
): Promise<boolean> {
  return withCustomerScope(pool, claim.customer, async (db) => {
    const { rowCount } = await db.query(
      `UPDATE payments SET status = $2, settled_at = $3, decline_reason = $4
        WHERE order_id = $1 AND status = 'pending'`,
      [
        claim.orderId,
        outcome.status,
        outcome.status === 'settled' ? outcome.settledAt : null,
        outcome.status === 'declined' ? outcome.reason : null,
      ],
    )
    await db.query('DELETE FROM settlement_queue WHERE order_id = $1', [claim.orderId])
    return rowCount === 1
  })
}
