/**
 * The settlement loop's statements on `settlement_queue` and `payments` (migrations 0004, 0005).
 * Each call is one short transaction, committed before it returns: none is open while the loop
 * waits for the vault or the acquirer.
 *
 * @module
 */
import type pg from 'pg'
import { withCustomerScope } from '@mythical/db'
import type { ChargeOutcome } from './acquirer.ts'

/**
 * A queued payment this worker holds until `next_attempt_at` (its lease), as long as the row still
 * carries its `claimToken`.
 */
export interface SettlementClaim {
  readonly orderId: string
  /** Written into the row by the claim: another worker's later claim replaces it. */
  readonly claimToken: string
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
 * Claims up to `limit` due rows for `leaseMs`, each under a new claim token: rows another worker
 * holds are skipped (`SKIP LOCKED` while it claims; the lease afterwards), and a worker that dies
 * — or stalls past its lease — leaves its rows due again, to be claimed under another token. One
 * statement, committed at once.
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
    claim_token: string
  }>(
    `UPDATE settlement_queue q
        SET attempts = q.attempts + 1,
            next_attempt_at = now() + make_interval(secs => $2::double precision / 1000),
            claim_token = gen_random_uuid()
      WHERE q.order_id IN (SELECT order_id FROM settlement_queue
                            WHERE next_attempt_at <= now()
                            ORDER BY next_attempt_at
                            LIMIT $1
                              FOR UPDATE SKIP LOCKED)
      RETURNING q.order_id, q.claim_token, q.customer_id, q.event_id, q.traceparent, q.attempts`,
    [limit, leaseMs],
  )
  return rows.map((r) => ({
    orderId: r.order_id,
    claimToken: r.claim_token,
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

/**
 * Keeps the claimed row from other workers for `delayMs` — a renewed lease before the charge, or
 * the back-off after a failed attempt — only while it still carries this claim's token: once the
 * lease ran out, another worker may hold it, and this one must neither charge nor move that
 * worker's lease.
 *
 * @returns whether this worker still holds the claim
 */
export async function holdClaim(
  pool: pg.Pool,
  claim: SettlementClaim,
  delayMs: number,
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE settlement_queue
        SET next_attempt_at = now() + make_interval(secs => $3::double precision / 1000)
      WHERE order_id = $1 AND claim_token = $2`,
    [claim.orderId, claim.claimToken, delayMs],
  )
  return rowCount === 1
}

/**
 * Drops a queue row whose payment is no longer pending (decided by an earlier attempt), whoever
 * holds it: the row of a decided payment is of no use to any worker.
 */
export async function dropSettlement(pool: pg.Pool, claim: SettlementClaim): Promise<void> {
  await pool.query('DELETE FROM settlement_queue WHERE order_id = $1', [claim.orderId])
}

/**
 * Records the acquirer's outcome and removes the queue row in one transaction, in the
 * customer's scope. Only a pending payment changes (the table's trigger refuses any other).
 * Not fenced by the claim token: the outcome is the acquirer's answer under the order's
 * idempotency key, the same whichever worker asked, and a charge that happened is recorded even
 * if its worker's lease ran out meanwhile (the worker now holding the row finds it decided).
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
