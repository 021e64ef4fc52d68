/**
 * The orders system of record, queried inside a customer-scoped transaction (withCustomerScope).
 * Every query names the customer itself as well: row-level security is the second line, not the
 * only one. Nothing here sees a card number: only the brand and the last four digits arrive.
 */
import type { PoolClient } from 'pg'

/** One line as the contract shows it. */
export interface OrderLine {
  readonly sku: string
  readonly quantity: number
  readonly priceCents: number
}

/** `Order` of docs/internal-apis.md. */
export interface Order {
  readonly id: string
  readonly status: string
  readonly items: readonly OrderLine[]
  readonly totalCents: number
  readonly currency: string
  readonly card: { readonly brand: string; readonly last4: string }
  readonly traceId: string
  readonly createdAt: string
}

/** `OrderSummary` of docs/internal-apis.md. */
export type OrderSummary = Pick<Order, 'id' | 'status' | 'totalCents' | 'currency' | 'createdAt'>

/** What order-fulfillment-api sends to persist (`POST /orders`). */
export type NewOrder = Omit<Order, 'status' | 'createdAt'>

interface OrderRow {
  id: string
  status: string
  total_cents: number
  currency: string
  card_brand: string | null
  card_last4: string | null
  trace_id: string | null
  placed_at: Date
}

const ORDER_COLUMNS =
  'id, status, total_cents, currency, card_brand, card_last4, trace_id, placed_at'

const summaryOf = (row: OrderRow): OrderSummary => ({
  id: row.id,
  status: row.status,
  totalCents: row.total_cents,
  currency: row.currency,
  createdAt: row.placed_at.toISOString(),
})

/**
 * Inserts the order and its lines for `customerId`. An order with this id that already exists
 * (a retried call) is left as it is.
 *
 * @returns whether this call created the order
 */
export async function insertOrder(
  db: PoolClient,
  customerId: string,
  order: NewOrder,
): Promise<boolean> {
  const inserted = await db.query(
    `INSERT INTO orders (id, customer_id, total_cents, currency, card_brand, card_last4, trace_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO NOTHING`,
    [
      order.id,
      customerId,
      order.totalCents,
      order.currency,
      order.card.brand,
      order.card.last4,
      order.traceId,
    ],
  )
  if (inserted.rowCount === 0) return false
  for (const [index, line] of order.items.entries()) {
    await db.query(
      `INSERT INTO order_lines (order_id, line_no, customer_id, sku, quantity, unit_price_cents)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [order.id, index + 1, customerId, line.sku, line.quantity, line.priceCents],
    )
  }
  return true
}

/** The customer's orders, newest first. */
export async function listOrders(db: PoolClient, customerId: string): Promise<OrderSummary[]> {
  const { rows } = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE customer_id = $1 ORDER BY placed_at DESC, id`,
    [customerId],
  )
  return rows.map(summaryOf)
}

/** One of the customer's orders with its lines, or `undefined` (unknown, or someone else's). */
export async function findOrder(
  db: PoolClient,
  customerId: string,
  orderId: string,
): Promise<Order | undefined> {
  const { rows } = await db.query<OrderRow>(
    `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1 AND customer_id = $2`,
    [orderId, customerId],
  )
  const row = rows[0]
  if (!row) return undefined
  const lines = await db.query<{ sku: string; quantity: number; unit_price_cents: number }>(
    `SELECT sku, quantity, unit_price_cents FROM order_lines
     WHERE order_id = $1 AND customer_id = $2 ORDER BY line_no`,
    [orderId, customerId],
  )
  return {
    ...summaryOf(row),
    items: lines.rows.map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      priceCents: l.unit_price_cents,
    })),
    card: { brand: row.card_brand ?? '', last4: row.card_last4 ?? '' },
    traceId: row.trace_id ?? '',
  }
}
