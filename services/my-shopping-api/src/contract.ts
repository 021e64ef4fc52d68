/**
 * The shapes of SCENARIO.md's API contract. Answers of the next hops are copied field by field
 * into these, so nothing a downstream adds (an internal id, a card token) ever reaches the shopper.
 */
import { jsonObject, pickFields, type JsonObject } from '@mythical/service-kit'

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])

/** `GET /shopping/me`. */
export const profile = (body: unknown) => pickFields(body, ['sub', 'name', 'email'])

/** One line of `GET /shopping/me/orders`. */
const orderSummary = (body: unknown) =>
  pickFields(body, ['id', 'status', 'totalCents', 'currency', 'createdAt'])

/** `GET /shopping/me/orders`. */
export const orderList = (body: unknown) => ({
  orders: list(jsonObject(body).orders).map(orderSummary),
})

/** `GET /shopping/me/orders/{id}` and the answer of `POST /shopping/me/orders`. */
export const order = (body: unknown): JsonObject => ({
  ...pickFields(body, ['id', 'status']),
  items: list(jsonObject(body).items).map((item) =>
    pickFields(item, ['sku', 'quantity', 'priceCents']),
  ),
  ...pickFields(body, ['totalCents', 'currency']),
  card: pickFields(jsonObject(body).card, ['brand', 'last4']),
  ...pickFields(body, ['traceId', 'createdAt']),
})

/** `GET /shopping/me/loyalty`. */
export const loyalty = (body: unknown) => ({
  ...pickFields(body, ['points']),
  history: list(jsonObject(body).history).map((entry) =>
    pickFields(entry, ['orderId', 'points', 'at']),
  ),
})

/** `GET /shopping/me/recommendations`. */
export const recommendations = (body: unknown) => ({
  products: list(jsonObject(body).products).map((p) => pickFields(p, ['sku', 'name', 'reason'])),
})
