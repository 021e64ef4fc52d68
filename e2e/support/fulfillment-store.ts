/**
 * What order-fulfillment-api has written for an order, read with the operator's session (as
 * `idp-store.ts` reads the IdP's store): its `placed_orders` row and its `order.placed` outbox
 * rows — the event is what settles the payment, so one outbox row means one charge.
 */
import { stackPaths } from '@mythical/stack'
import { resolveAdmin } from '@mythical/infra/postgres/admin-target'
import { connectAdmin } from '@mythical/infra/postgres/connect-admin'
import { postgresLayout } from '@mythical/infra/postgres/layout'

const FULFILLMENT_DATABASE = 'fulfillment'

/** Row counts of one order in the process API's own database. */
export async function fulfillmentRowsOf(
  orderId: string,
): Promise<{ placedOrders: number; outboxEvents: number }> {
  const layout = postgresLayout(stackPaths())
  const client = await connectAdmin(layout, await resolveAdmin(layout), FULFILLMENT_DATABASE)
  try {
    const { rows } = await client.query<{ placed: string; events: string }>(
      `SELECT (SELECT count(*) FROM placed_orders WHERE order_id = $1) AS placed,
              (SELECT count(*) FROM outbox WHERE aggregate_id = $1) AS events`,
      [orderId],
    )
    return { placedOrders: Number(rows[0]?.placed), outboxEvents: Number(rows[0]?.events) }
  } finally {
    await client.end()
  }
}
