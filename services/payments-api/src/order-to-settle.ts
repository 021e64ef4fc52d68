/**
 * What payments-api needs of a verified `order.placed` (retail projection), checked field by field:
 * the event's signature proves who wrote it, not that this version of payments-api can read it.
 *
 * @module
 */
import type { OrderPlaced } from '@mythical/events'

/** The fields a settlement reads. */
export type OrderToSettle = Pick<
  OrderPlaced,
  'orderId' | 'customer' | 'totalCents' | 'currency' | 'card' | 'traceId'
>

/** A verified event whose order payments-api cannot settle (a publisher bug, a new version). */
export class OrderNotSettleable extends Error {
  readonly code = 'ZT_ERR_ORDER_NOT_SETTLEABLE'
  constructor(field: string) {
    super(`order.placed: "${field}" is missing or malformed`)
    this.name = 'OrderNotSettleable'
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const TRACE_ID = /^[0-9a-f]{32}$/

const text = (value: unknown, field: string, pattern?: RegExp): string => {
  if (typeof value !== 'string' || value === '' || (pattern && !pattern.test(value))) {
    throw new OrderNotSettleable(field)
  }
  return value
}

/**
 * @example
 * ```ts
 * const order = orderToSettle(event.data)
 * ```
 * @throws {OrderNotSettleable} naming the first field that is not as {@link OrderPlaced} says.
 */
export function orderToSettle(data: Readonly<Record<string, unknown>>): OrderToSettle {
  if (data.version !== 1) throw new OrderNotSettleable('version')
  const card = (data.card ?? {}) as Record<string, unknown>
  const totalCents = data.totalCents
  if (!Number.isSafeInteger(totalCents) || (totalCents as number) <= 0) {
    throw new OrderNotSettleable('totalCents')
  }
  return {
    orderId: text(data.orderId, 'orderId', UUID),
    customer: text(data.customer, 'customer'),
    totalCents: totalCents as number,
    currency: text(data.currency, 'currency', /^[A-Z]{3}$/),
    card: {
      token: text(card.token, 'card.token'),
      brand: text(card.brand, 'card.brand', /^[a-z]{2,16}$/),
      last4: text(card.last4, 'card.last4', /^[0-9]{4}$/),
    },
    traceId: text(data.traceId, 'traceId', TRACE_ID),
  }
}
