/**
 * `@mythical/catalogue`: the shop's products (SKU, name, description, price in euro cents,
 * picture), the pricing of an order from them and the order contract (body schema,
 * `Idempotency-Key`) — shared by my-shopping-api, order-fulfillment-api and recommendations-api.
 *
 * @module
 */
export { CATALOGUE, CURRENCY, type Product } from './products.ts'
export {
  CatalogueError,
  findProduct,
  MAX_ORDER_LINES,
  MAX_QUANTITY,
  priceOrder,
  type CatalogueErrorCode,
  type PricedItem,
  type PricedOrder,
  type RequestedItem,
} from './pricing.ts'
export { productImage, type ProductArt } from './product-image.ts'
export {
  IdempotencyKeyRequired,
  idempotencyKeyOf,
  ORDER_REQUEST_SCHEMA,
  type OrderRequest,
} from './order-contract.ts'
