/**
 * Recommendations from what the customer bought: first the products that go with what they own
 * (a small merchandising table, {@link COMPANIONS}), then the rest of the catalogue they do not
 * own yet. Without any purchase history (a new customer, or before the first `order.placed`
 * arrived) the catalogue itself is the fallback, in its display order.
 */
import type { PoolClient } from 'pg'

/** What a recommendation needs to know of a product. */
export interface CatalogueProduct {
  readonly sku: string
  readonly name: string
}

/** One entry of `GET /recommendations/me`. */
export interface Recommendation {
  readonly sku: string
  readonly name: string
  readonly reason: string
}

/** Most products one answer lists. */
export const RECOMMENDATION_LIMIT = 4

/** Products that go with a product, best match first (SKUs of `@mythical/catalogue`). */
export const COMPANIONS: Readonly<Record<string, readonly string[]>> = {
  'sku-city-bike': ['sku-helmet', 'sku-bike-light', 'sku-backpack'],
  'sku-helmet': ['sku-bike-light', 'sku-city-bike'],
  'sku-bike-light': ['sku-helmet', 'sku-headlamp'],
  'sku-trail-shoe': ['sku-wool-socks', 'sku-water-bottle', 'sku-headlamp'],
  'sku-wool-socks': ['sku-trail-shoe'],
  'sku-rain-jacket': ['sku-backpack', 'sku-tent'],
  'sku-tent': ['sku-headlamp', 'sku-water-bottle', 'sku-rain-jacket'],
  'sku-headlamp': ['sku-tent'],
  'sku-backpack': ['sku-water-bottle', 'sku-rain-jacket'],
  'sku-water-bottle': ['sku-backpack'],
}

/** SKUs the customer bought, most bought first. */
export async function purchasedSkus(db: PoolClient, customerId: string): Promise<string[]> {
  const { rows } = await db.query<{ sku: string }>(
    `SELECT sku FROM purchase_history WHERE customer_id = $1
     GROUP BY sku ORDER BY sum(quantity) DESC, max(purchased_at) DESC, sku`,
    [customerId],
  )
  return rows.map((r) => r.sku)
}

/** Picks recommendations for a customer who bought `purchased` (most bought first). */
export function recommend(
  catalogue: readonly CatalogueProduct[],
  purchased: readonly string[],
): Recommendation[] {
  const bySku = new Map(catalogue.map((p) => [p.sku, p]))
  const picked = new Map<string, Recommendation>()
  const pick = (product: CatalogueProduct | undefined, reason: string) => {
    if (!product || purchased.includes(product.sku) || picked.has(product.sku)) return
    if (picked.size < RECOMMENDATION_LIMIT) picked.set(product.sku, { ...product, reason })
  }
  for (const owned of purchased.map((sku) => bySku.get(sku))) {
    if (!owned) continue
    for (const sku of COMPANIONS[owned.sku] ?? [])
      pick(bySku.get(sku), `Goes with your ${owned.name}`)
  }
  const fallback = purchased.length === 0 ? 'Popular in the shop' : 'Something new for you'
  for (const product of catalogue) pick(product, fallback)
  return [...picked.values()].map(({ sku, name, reason }) => ({ sku, name, reason }))
}
