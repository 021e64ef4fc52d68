/**
 * Recommendations from what the customer bought: first the products that go with what they own
 * (a small merchandising table, {@link COMPANIONS}), then the rest of the catalogue they do not
 * own yet. Without any purchase history (a new customer, or before the first `order.placed`
 * arrived) the catalogue itself is the fallback, in its display order. A customer who owns nearly
 * everything is offered again what she bought longest ago, never one of her
 * {@link RECENTLY_BOUGHT} latest purchases: the list is never empty while the shop sells more
 * than that.
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

/** How many of the latest distinct purchases are never offered again. */
export const RECENTLY_BOUGHT = 4

/** What the customer bought, as SKUs. */
export interface PurchaseHistory {
  /** Every SKU bought, most bought first. */
  readonly mostBought: readonly string[]
  /** Every SKU bought, latest purchase first. */
  readonly latestFirst: readonly string[]
}

/** The customer's purchase history (read in her row-level-security scope). */
export async function purchaseHistory(
  db: PoolClient,
  customerId: string,
): Promise<PurchaseHistory> {
  const { rows } = await db.query<{ sku: string; last: Date }>(
    `SELECT sku, max(purchased_at) AS last FROM purchase_history WHERE customer_id = $1
      GROUP BY sku ORDER BY sum(quantity) DESC, max(purchased_at) DESC, sku`,
    [customerId],
  )
  return {
    mostBought: rows.map((r) => r.sku),
    latestFirst: [...rows].sort((a, b) => b.last.getTime() - a.last.getTime()).map((r) => r.sku),
  }
}

/** Picks recommendations for a customer with this purchase history. */
export function recommend(
  catalogue: readonly CatalogueProduct[],
  history: PurchaseHistory,
): Recommendation[] {
  const purchased = history.mostBought
  const recent = history.latestFirst.slice(0, RECENTLY_BOUGHT)
  const bySku = new Map(catalogue.map((p) => [p.sku, p]))
  const picked = new Map<string, Recommendation>()
  const pick = (product: CatalogueProduct | undefined, reason: string, again = false) => {
    if (!product || picked.has(product.sku)) return
    const owned = purchased.includes(product.sku)
    if (owned && (!again || recent.includes(product.sku))) return
    if (picked.size < RECOMMENDATION_LIMIT) picked.set(product.sku, { ...product, reason })
  }
  for (const owned of purchased.map((sku) => bySku.get(sku))) {
    if (!owned) continue
    for (const sku of COMPANIONS[owned.sku] ?? [])
      pick(bySku.get(sku), `Goes with your ${owned.name}`)
  }
  const fallback = purchased.length === 0 ? 'Popular in the shop' : 'Something new for you'
  for (const product of catalogue) pick(product, fallback)
  // Longest ago first: what she is likeliest to need again.
  for (const sku of [...history.latestFirst].reverse()) pick(bySku.get(sku), 'Buy it again', true)
  return [...picked.values()].map(({ sku, name, reason }) => ({ sku, name, reason }))
}
