/**
 * Prices an order from the catalogue: the client names products and quantities, the shop decides
 * what they cost. A price sent by a client is never read.
 */
import { CATALOGUE, CURRENCY, type Product } from './products.ts'

/** Most units of one product in one order line. */
export const MAX_QUANTITY = 99
/** Most lines in one order. */
export const MAX_ORDER_LINES = 20

/** Why an order cannot be priced. */
export type CatalogueErrorCode =
  | 'ERR_CATALOGUE_UNKNOWN_SKU'
  | 'ERR_CATALOGUE_INVALID_QUANTITY'
  | 'ERR_CATALOGUE_EMPTY_ORDER'
  | 'ERR_CATALOGUE_DUPLICATE_SKU'

/** An order the catalogue cannot price; `message` is safe to show. */
export class CatalogueError extends Error {
  readonly code: CatalogueErrorCode
  constructor(code: CatalogueErrorCode, message: string) {
    super(message)
    this.name = 'CatalogueError'
    this.code = code
  }
}

/** What a client asks for. */
export interface RequestedItem {
  readonly sku: string
  readonly quantity: number
}

/** A priced order line. */
export interface PricedItem {
  readonly sku: string
  readonly quantity: number
  /** Unit price from the catalogue. */
  readonly priceCents: number
}

/** A priced order. */
export interface PricedOrder {
  readonly items: readonly PricedItem[]
  readonly totalCents: number
  readonly currency: typeof CURRENCY
}

const BY_SKU: ReadonlyMap<string, Product> = new Map(CATALOGUE.map((p) => [p.sku, p]))

/**
 * The product with `sku`, if the shop sells it.
 *
 * @example findProduct('sku-tent')?.priceCents // 29900
 */
export const findProduct = (sku: string): Product | undefined => BY_SKU.get(sku)

/**
 * Prices `items` from the catalogue. Throws {@link CatalogueError} for an empty order, an unknown
 * SKU, a SKU listed twice, or a quantity that is not an integer 1–{@link MAX_QUANTITY}.
 *
 * @example
 * ```ts
 * priceOrder([{ sku: 'sku-helmet', quantity: 2 }])
 * // { items: [{ sku: 'sku-helmet', quantity: 2, priceCents: 6900 }], totalCents: 13800, currency: 'EUR' }
 * ```
 */
export function priceOrder(items: readonly RequestedItem[]): PricedOrder {
  if (items.length === 0 || items.length > MAX_ORDER_LINES) {
    throw new CatalogueError(
      'ERR_CATALOGUE_EMPTY_ORDER',
      `an order has 1 to ${MAX_ORDER_LINES} lines`,
    )
  }
  const seen = new Set<string>()
  const priced = items.map(({ sku, quantity }) => {
    const found = findProduct(sku)
    if (!found) throw new CatalogueError('ERR_CATALOGUE_UNKNOWN_SKU', 'unknown product')
    if (seen.has(sku)) {
      throw new CatalogueError('ERR_CATALOGUE_DUPLICATE_SKU', `product ${sku} listed twice`)
    }
    seen.add(sku)
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) {
      throw new CatalogueError(
        'ERR_CATALOGUE_INVALID_QUANTITY',
        `quantity must be an integer 1 to ${MAX_QUANTITY}`,
      )
    }
    return { sku, quantity, priceCents: found.priceCents }
  })
  const totalCents = priced.reduce((sum, line) => sum + line.priceCents * line.quantity, 0)
  return { items: priced, totalCents, currency: CURRENCY }
}
