/**
 * `@mythical/catalogue`: the shop's products (SKU, name, description, price in euro cents,
 * picture) and the pricing of an order from them — reference data shared by my-shopping-api,
 * order-fulfillment-api and recommendations-api.
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
