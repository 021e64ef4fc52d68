/**
 * The shop's catalogue, static for now (the API contract fixes the shape; a catalogue system of
 * record is not part of the scenario).
 */

/** One product as `GET /shopping/products` lists it. */
export interface Product {
  readonly sku: string
  readonly name: string
  readonly description: string
  readonly priceCents: number
  readonly currency: 'EUR'
  readonly imageUrl: string
}

export const CATALOGUE: readonly Product[] = [
  {
    sku: 'sku-trail-shoe',
    name: 'Trail running shoe',
    description: 'Light, grippy, waterproof.',
    priceCents: 12900,
    currency: 'EUR',
    imageUrl: '/images/trail-shoe.svg',
  },
  {
    sku: 'sku-rain-jacket',
    name: 'Rain jacket',
    description: 'Packs into its own pocket.',
    priceCents: 8900,
    currency: 'EUR',
    imageUrl: '/images/rain-jacket.svg',
  },
  {
    sku: 'sku-bike-light',
    name: 'Bike light set',
    description: 'USB-C rechargeable, front and rear.',
    priceCents: 3900,
    currency: 'EUR',
    imageUrl: '/images/bike-light.svg',
  },
]
