/**
 * customers-api's effect of `order.placed`: the customer earns loyalty points for the order. Runs
 * inside the event consumer's inbox transaction, so the points and the inbox row commit together;
 * the ledger's one-earning-per-order index is a second guard.
 *
 * @module
 */
import type pg from 'pg'
import { CUSTOMER_SETTING } from '@mythical/db'
import { databaseOnlyEffect } from '@mythical/events'
import type { OrderPlaced, VerifiedEvent } from '@mythical/events'

/** One point per whole currency unit spent. */
export const pointsFor = (totalCents: number): number => Math.floor(totalCents / 100)

/** Writes only to the inbox transaction: a batch of orders goes in one inbox statement. */
export const earnLoyaltyPoints = databaseOnlyEffect(async function earnLoyaltyPoints(
  event: VerifiedEvent,
  db: pg.PoolClient,
): Promise<void> {
  const order = event.data as unknown as OrderPlaced
  const points = pointsFor(order.totalCents)
  if (points <= 0) return
  // Row-level security: the ledger row is written in that customer's scope, for this transaction.
  await db.query('SELECT set_config($1, $2, true)', [CUSTOMER_SETTING, order.customer])
  await db.query(
    `INSERT INTO loyalty_ledger (customer_id, order_id, points, reason)
     VALUES ($1, $2, $3, 'order_placed')`,
    [order.customer, order.orderId, points],
  )
})
