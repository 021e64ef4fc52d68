/**
 * This process API's own record of the orders it placed, and the transactional outbox: the
 * `placed_orders` row and its `order.placed` outbox row are written in ONE transaction, scoped to
 * the customer (row-level security), so there is never an order without its event or an event
 * without its order — and, because the order id is the primary key, never two of either: a retry
 * (or a concurrent duplicate) finds the row and charges nothing again. The payload is
 * `@mythical/events`' `OrderPlaced` (version 1: the vault's card token, brand and last four, never
 * a card number — the database refuses a PAN-shaped value anywhere in it); the events relay
 * publishes the rows (docs/patterns/signed-encrypted-events.md).
 */
import { withCustomerScope } from '@mythical/db'
import { ORDER_PLACED, type OrderPlaced } from '@mythical/events'
import type { Pool } from 'pg'

/** What is known about a placed order here. */
export interface PlacedOrder {
  readonly orderId: string
  readonly fingerprint: string
}

/**
 * The placed order with `orderId` of `customer`, if any.
 *
 * @example const placed = await findPlacedOrder(pool, 'katie', orderId)
 */
export async function findPlacedOrder(
  pool: Pool,
  customer: string,
  orderId: string,
): Promise<PlacedOrder | undefined> {
  return withCustomerScope(pool, customer, async (db) => {
    const { rows } = await db.query<{ order_id: string; request_fingerprint: string }>(
      'SELECT order_id, request_fingerprint FROM placed_orders WHERE order_id = $1',
      [orderId],
    )
    const row = rows[0]
    return row ? { orderId: row.order_id, fingerprint: row.request_fingerprint } : undefined
  })
}

/**
 * Records the order and its `order.placed` outbox row in one transaction. When the order is
 * already recorded (a concurrent duplicate won), nothing is written and the stored one is
 * returned with `recorded: false`.
 */
export async function recordPlacedOrder(
  pool: Pool,
  event: OrderPlaced,
  fingerprint: string,
): Promise<{ recorded: boolean; placed: PlacedOrder }> {
  return withCustomerScope(pool, event.customer, async (db) => {
    const inserted = await db.query(
      `INSERT INTO placed_orders
         (order_id, customer_id, card_token, total_cents, currency, placed_at, request_fingerprint)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (order_id) DO NOTHING`,
      [
        event.orderId,
        event.customer,
        event.card.token,
        event.totalCents,
        event.currency,
        event.placedAt,
        fingerprint,
      ],
    )
    if (inserted.rowCount === 1) {
      await db.query('INSERT INTO outbox (event_type, aggregate_id, payload) VALUES ($1, $2, $3)', [
        ORDER_PLACED,
        event.orderId,
        JSON.stringify(event),
      ])
      return { recorded: true, placed: { orderId: event.orderId, fingerprint } }
    }
    const { rows } = await db.query<{ request_fingerprint: string }>(
      'SELECT request_fingerprint FROM placed_orders WHERE order_id = $1',
      [event.orderId],
    )
    return {
      recorded: false,
      placed: { orderId: event.orderId, fingerprint: rows[0]?.request_fingerprint ?? '' },
    }
  })
}
