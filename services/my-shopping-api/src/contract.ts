/**
 * The shapes of SCENARIO.md's API contract. Answers of the next hops are copied field by field
 * into these, so nothing a downstream adds (an internal id, a card token) ever reaches the shopper.
 */

/** A JSON object of the contract. */
export type Json = Record<string, unknown>

const record = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {}
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
const pick = (value: unknown, keys: readonly string[]): Json => {
  const source = record(value)
  return Object.fromEntries(keys.filter((k) => k in source).map((k) => [k, source[k]]))
}

/** `GET /shopping/me`. */
export const profile = (body: unknown) => pick(body, ['sub', 'name', 'email'])

/** One line of `GET /shopping/me/orders`. */
const orderSummary = (body: unknown) =>
  pick(body, ['id', 'status', 'totalCents', 'currency', 'createdAt'])

/** `GET /shopping/me/orders`. */
export const orderList = (body: unknown) => ({
  orders: list(record(body).orders).map(orderSummary),
})

/** `GET /shopping/me/orders/{id}` and the answer of `POST /shopping/me/orders`. */
export const order = (body: unknown): Json => ({
  ...pick(body, ['id', 'status']),
  items: list(record(body).items).map((item) => pick(item, ['sku', 'quantity', 'priceCents'])),
  ...pick(body, ['totalCents', 'currency']),
  card: pick(record(body).card, ['brand', 'last4']),
  ...pick(body, ['traceId', 'createdAt']),
})

/** `GET /shopping/me/loyalty`. */
export const loyalty = (body: unknown) => ({
  ...pick(body, ['points']),
  history: list(record(body).history).map((entry) => pick(entry, ['orderId', 'points', 'at'])),
})

/** `GET /shopping/me/recommendations`. */
export const recommendations = (body: unknown) => ({
  products: list(record(body).products).map((p) => pick(p, ['sku', 'name', 'reason'])),
})
