import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CATALOGUE, CatalogueError, findProduct, priceOrder } from '../src/index.ts'

describe('catalogue', () => {
  it('has 8–12 products with unique SKUs, EUR prices and SVG pictures', () => {
    assert.ok(CATALOGUE.length >= 8 && CATALOGUE.length <= 12)
    assert.equal(new Set(CATALOGUE.map((p) => p.sku)).size, CATALOGUE.length)
    for (const p of CATALOGUE) {
      assert.match(p.sku, /^sku-[a-z0-9-]+$/)
      assert.ok(Number.isInteger(p.priceCents) && p.priceCents > 0)
      assert.equal(p.currency, 'EUR')
      assert.ok(p.imageUrl.startsWith('data:image/svg+xml,'))
      const svg = decodeURIComponent(p.imageUrl.slice('data:image/svg+xml,'.length))
      assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>.*<\/svg>$/)
      assert.doesNotMatch(svg, /<script|on[a-z]+=/i)
    }
  })

  it('prices an order from the catalogue', () => {
    const helmet = findProduct('sku-helmet')?.priceCents ?? 0
    const socks = findProduct('sku-wool-socks')?.priceCents ?? 0
    assert.deepEqual(
      priceOrder([
        { sku: 'sku-helmet', quantity: 2 },
        { sku: 'sku-wool-socks', quantity: 1 },
      ]),
      {
        items: [
          { sku: 'sku-helmet', quantity: 2, priceCents: helmet },
          { sku: 'sku-wool-socks', quantity: 1, priceCents: socks },
        ],
        totalCents: 2 * helmet + socks,
        currency: 'EUR',
      },
    )
  })

  it('never reads a price the client sends', () => {
    const forged = [{ sku: 'sku-tent', quantity: 1, priceCents: 1 }]
    assert.equal(priceOrder(forged).totalCents, findProduct('sku-tent')?.priceCents)
  })

  const refused: [string, { sku: string; quantity: number }[], string][] = [
    ['an empty order', [], 'ERR_CATALOGUE_EMPTY_ORDER'],
    ['an unknown SKU', [{ sku: 'sku-nope', quantity: 1 }], 'ERR_CATALOGUE_UNKNOWN_SKU'],
    ['a zero quantity', [{ sku: 'sku-tent', quantity: 0 }], 'ERR_CATALOGUE_INVALID_QUANTITY'],
    [
      'a fractional quantity',
      [{ sku: 'sku-tent', quantity: 1.5 }],
      'ERR_CATALOGUE_INVALID_QUANTITY',
    ],
    ['a huge quantity', [{ sku: 'sku-tent', quantity: 1000 }], 'ERR_CATALOGUE_INVALID_QUANTITY'],
    [
      'a SKU listed twice',
      [
        { sku: 'sku-tent', quantity: 1 },
        { sku: 'sku-tent', quantity: 1 },
      ],
      'ERR_CATALOGUE_DUPLICATE_SKU',
    ],
  ]
  for (const [name, items, code] of refused) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => priceOrder(items),
        (err) => err instanceof CatalogueError && err.code === code,
      )
    })
  }
})
