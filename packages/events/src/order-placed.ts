/**
 * `order.placed` and its two audiences. Data minimization across the company boundary is done by
 * per-audience projections inside one message (see docs/patterns/event-data-minimization.md):
 *
 * - `retail` (customers-api, payments-api, recommendations-api): the order as placed, with the
 *   vault's card token for settlement — never a card number (the outbox refuses one).
 * - `shipping-partner` (shipping-api): order id, the customer's retail `sub`, parcel contents
 *   (sku, quantity), delivery address. No prices, card data, loyalty, trace or order totals. The
 *   `sub` is what the partner already receives in the subject token when the customer federates;
 *   shipping-api turns it into her pairwise subject at once and keeps only that.
 *
 * @module
 */
import type { BusinessEvent } from './event.ts'

export const ORDER_PLACED = 'order.placed'

export const RETAIL_AUDIENCE = 'retail'
export const SHIPPING_PARTNER_AUDIENCE = 'shipping-partner'

/** Subscribers of `order.placed` and the audience each belongs to. */
export const ORDER_PLACED_SUBSCRIBERS = {
  'customers-api': RETAIL_AUDIENCE,
  'payments-api': RETAIL_AUDIENCE,
  'recommendations-api': RETAIL_AUDIENCE,
  'shipping-api': SHIPPING_PARTNER_AUDIENCE,
} as const

export interface OrderPlacedItem {
  readonly sku: string
  readonly quantity: number
  readonly priceCents: number
}

/** The outbox payload of `order.placed` (version 1, written by order-fulfillment-api). */
export interface OrderPlaced {
  readonly version: 1
  readonly orderId: string
  /** Retail subject (`sub`) of the customer. */
  readonly customer: string
  readonly items: readonly OrderPlacedItem[]
  readonly totalCents: number
  readonly currency: string
  /** The vault's token (payments-api detokenizes it at the vault to settle), brand, last four. */
  readonly card: { readonly token: string; readonly brand: string; readonly last4: string }
  /** W3C trace id of the request that placed the order. */
  readonly traceId: string
  readonly placedAt: string
  readonly deliveryAddress?: Readonly<Record<string, string>>
}

/** The retail audience sees the order as placed. */
export const retailProjection = (event: BusinessEvent): Readonly<Record<string, unknown>> =>
  event.data

/**
 * The `shipping-partner` projection of `order.placed` (what shipping-api opens). A type alias, not
 * an interface, so that it is a plain JSON record to the sealer.
 */
export type OrderPlacedForPartner = {
  readonly orderId: string
  /**
   * Retail `sub` of the customer, as the partner sees it in her federated subject token: the input
   * of the pairwise subject the parcel is filed under (never stored by the partner).
   */
  readonly customer: string
  readonly parcel: readonly { readonly sku: string; readonly quantity: number }[]
  readonly deliveryAddress?: Readonly<Record<string, string>>
}

/** What a parcel needs, and only that. */
export function shippingPartnerProjection(event: BusinessEvent): Readonly<Record<string, unknown>> {
  const order = event.data as unknown as OrderPlaced
  const projection: OrderPlacedForPartner = {
    orderId: order.orderId,
    customer: order.customer,
    parcel: order.items.map(({ sku, quantity }) => ({ sku, quantity })),
    ...(order.deliveryAddress ? { deliveryAddress: order.deliveryAddress } : {}),
  }
  return projection
}
