/**
 * shipping-api's parcels in its own database (`shipping`). Every statement runs inside a
 * customer scope (`app.customer_id` = the pairwise subject), so row-level security shows and
 * accepts that customer's parcels only; nothing here takes an owner from the caller's SQL.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type pg from 'pg'

/** The statuses a parcel moves through, in order (the tracking API's vocabulary). */
export const PARCEL_STATUSES = [
  'label-created',
  'in-transit',
  'out-for-delivery',
  'delivered',
] as const
export type ParcelStatus = (typeof PARCEL_STATUSES)[number]

/** A parcel as the tracking API shows it. */
export interface ParcelView {
  readonly orderId: string
  readonly status: ParcelStatus
  readonly events: readonly { readonly status: ParcelStatus; readonly at: string }[]
}

/** The partner's own tracking number: random, so it says nothing about the order or customer. */
const newTrackingNumber = (): string => `SHP-${randomBytes(8).toString('hex').toUpperCase()}`

/**
 * Creates the parcel of an order with its first event, `label-created`, in the caller's
 * transaction (already scoped to `customerRef`). An order that already has a parcel creates
 * nothing (`order_id` is unique): returns whether a parcel was created.
 */
export async function createParcel(
  db: pg.PoolClient,
  customerRef: string,
  orderId: string,
): Promise<boolean> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO parcels (order_id, customer_ref, tracking_number, status)
     VALUES ($1, $2, $3, 'label-created')
     ON CONFLICT (order_id) DO NOTHING
     RETURNING id`,
    [orderId, customerRef, newTrackingNumber()],
  )
  const parcel = inserted.rows[0]
  if (!parcel) return false
  await db.query(
    `INSERT INTO parcel_events (parcel_id, customer_ref, status) VALUES ($1, $2, 'label-created')`,
    [parcel.id, customerRef],
  )
  return true
}

/** The scoped customer's parcels of one order (none for another customer's order: RLS). */
export async function parcelsOfOrder(db: pg.PoolClient, orderId: string): Promise<ParcelView[]> {
  const { rows } = await db.query<{
    order_id: string
    status: ParcelStatus
    events: { status: ParcelStatus; at: string }[]
  }>(
    `SELECT p.order_id, p.status,
            coalesce(json_agg(json_build_object('status', e.status, 'at', e.at) ORDER BY e.at)
                     FILTER (WHERE e.status IS NOT NULL), '[]') AS events
       FROM parcels p LEFT JOIN parcel_events e ON e.parcel_id = p.id
      WHERE p.order_id = $1
      GROUP BY p.id`,
    [orderId],
  )
  return rows.map((row) => ({
    orderId: row.order_id,
    status: row.status,
    events: row.events.map(({ status, at }) => ({ status, at: new Date(at).toISOString() })),
  }))
}
