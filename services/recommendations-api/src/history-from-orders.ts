/**
 * recommendations-api's effect of `order.placed`: the order's items join the customer's purchase
 * history, which `GET /recommendations/me` recommends from. Runs inside the event consumer's inbox
 * transaction; the history's (order, sku) key is a second guard against a double effect.
 *
 * @module
 */
import type pg from 'pg'
import { CUSTOMER_SETTING } from '@mythical/db'
import { databaseOnlyEffect } from '@mythical/events'
import type { OrderPlaced, VerifiedEvent } from '@mythical/events'

/** Writes only to the inbox transaction: a batch of orders goes in one inbox statement. */
export const recordPurchases = databaseOnlyEffect(async function recordPurchases(
  event: VerifiedEvent,
  db: pg.PoolClient,
): Promise<void> {
  const order = event.data as unknown as OrderPlaced
  // Row-level security: the rows are written in that customer's scope, for this transaction.
  await db.query('SELECT set_config($1, $2, true)', [CUSTOMER_SETTING, order.customer])
  await db.query(
    `INSERT INTO purchase_history (customer_id, order_id, sku, quantity, purchased_at)
     SELECT $1, $2, item.sku, sum(item.quantity), $3
       FROM jsonb_to_recordset($4::jsonb) AS item(sku text, quantity integer)
      GROUP BY item.sku`,
    [order.customer, order.orderId, order.placedAt, JSON.stringify(order.items)],
  )
})
