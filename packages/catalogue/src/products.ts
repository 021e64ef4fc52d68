/**
 * The shop's catalogue: reference data, the same for every service that needs it — the shopper
 * API lists it, order-fulfillment-api prices orders from it (never from the client), and
 * recommendations-api falls back to it. A catalogue system of record is not part of the scenario.
 */
import { productImage } from './product-image.ts'

/** The one currency of the shop. */
export const CURRENCY = 'EUR'

/** One product as `GET /shopping/products` lists it. */
export interface Product {
  /** Stable identifier, `sku-` and lower-case words. */
  readonly sku: string
  readonly name: string
  readonly description: string
  /** Unit price in euro cents. */
  readonly priceCents: number
  readonly currency: typeof CURRENCY
  /** An inline SVG picture (data URL). */
  readonly imageUrl: string
}

const product = (
  sku: string,
  name: string,
  description: string,
  priceCents: number,
  art: { background: string; foreground: string; shape: string; label: string },
): Product => ({
  sku,
  name,
  description,
  priceCents,
  currency: CURRENCY,
  imageUrl: productImage(art),
})

/** Every product, in display order. */
export const CATALOGUE: readonly Product[] = Object.freeze([
  product('sku-trail-shoe', 'Trail running shoe', 'Light, grippy, waterproof.', 12900, {
    background: '#dbeafe',
    foreground: '#1d4ed8',
    shape: 'M40 95c20 0 40-30 60-30l15 15c15 5 40 10 45 25v10H40z',
    label: 'Trail shoe',
  }),
  product('sku-rain-jacket', 'Rain jacket', 'Packs into its own pocket.', 8900, {
    background: '#dcfce7',
    foreground: '#15803d',
    shape: 'M75 25h50l30 25-12 15-13-10v60H70V55L57 65 45 50z',
    label: 'Rain jacket',
  }),
  product('sku-bike-light', 'Bike light set', 'USB-C rechargeable, front and rear.', 3900, {
    background: '#fef9c3',
    foreground: '#a16207',
    shape: 'M60 50h45v30H60zM105 55l40-15v50l-40-15z',
    label: 'Bike lights',
  }),
  product('sku-city-bike', 'City bike', 'Seven gears, hub dynamo, rack included.', 54900, {
    background: '#e0e7ff',
    foreground: '#4338ca',
    shape: 'M55 100a25 25 0 1 1 0 .1zm90 0a25 25 0 1 1 0 .1zM55 100l30-40h40l20 40M85 60l-8-12h-12',
    label: 'City bike',
  }),
  product('sku-helmet', 'Bike helmet', 'MIPS protection, 18 vents.', 6900, {
    background: '#fee2e2',
    foreground: '#b91c1c',
    shape: 'M45 95c0-40 30-60 55-60s55 20 55 60z',
    label: 'Helmet',
  }),
  product('sku-backpack', 'Day backpack', '22 litres, laptop sleeve, rain cover.', 7400, {
    background: '#ede9fe',
    foreground: '#6d28d9',
    shape: 'M70 40c0-15 60-15 60 0v75H70zM85 30c0-12 30-12 30 0',
    label: 'Backpack',
  }),
  product('sku-water-bottle', 'Insulated bottle', 'Keeps drinks cold for 24 hours.', 2900, {
    background: '#cffafe',
    foreground: '#0e7490',
    shape: 'M88 25h24v15l8 10v70H80V50l8-10z',
    label: 'Bottle',
  }),
  product('sku-wool-socks', 'Merino socks', 'Two pairs, cushioned, for long days.', 1900, {
    background: '#ffedd5',
    foreground: '#c2410c',
    shape: 'M85 25h30v60l20 15c10 10 0 25-12 20L80 100V25z',
    label: 'Socks',
  }),
  product('sku-headlamp', 'Headlamp', '400 lumens, red night mode.', 4400, {
    background: '#f5f5f4',
    foreground: '#44403c',
    shape: 'M40 70h120v12H40zM80 55h40v40H80z',
    label: 'Headlamp',
  }),
  product('sku-tent', 'Two-person tent', 'Freestanding, 1.9 kg, four seasons.', 29900, {
    background: '#d1fae5',
    foreground: '#047857',
    shape: 'M100 30l65 85H35z',
    label: 'Tent',
  }),
])
