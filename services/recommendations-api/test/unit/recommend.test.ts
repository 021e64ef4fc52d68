import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CATALOGUE } from '@mythical/catalogue'
import {
  COMPANIONS,
  RECENTLY_BOUGHT,
  RECOMMENDATION_LIMIT,
  recommend,
  type PurchaseHistory,
} from '../../src/recommend.ts'

/** A history where `skus` are most bought first and were bought in that order (last one latest). */
const bought = (...skus: string[]): PurchaseHistory => ({
  mostBought: skus,
  latestFirst: [...skus].reverse(),
})

describe('recommend', () => {
  it('names only products the catalogue sells', () => {
    const skus = new Set(CATALOGUE.map((p) => p.sku))
    for (const [sku, companions] of Object.entries(COMPANIONS)) {
      assert.ok(skus.has(sku), sku)
      for (const companion of companions) assert.ok(skus.has(companion), companion)
    }
  })

  it('falls back to the catalogue for a customer without history', () => {
    const picks = recommend(CATALOGUE, bought())
    assert.deepEqual(
      picks.map((p) => p.sku),
      CATALOGUE.slice(0, RECOMMENDATION_LIMIT).map((p) => p.sku),
    )
    assert.ok(picks.every((p) => p.reason === 'Popular in the shop'))
  })

  it('recommends what goes with the purchases first, never what was bought', () => {
    const picks = recommend(CATALOGUE, bought('sku-city-bike', 'sku-helmet'))
    assert.deepEqual(picks.slice(0, 2), [
      { sku: 'sku-bike-light', name: 'Bike light set', reason: 'Goes with your City bike' },
      { sku: 'sku-backpack', name: 'Day backpack', reason: 'Goes with your City bike' },
    ])
    assert.equal(picks.length, RECOMMENDATION_LIMIT)
    assert.ok(!picks.some((p) => p.sku === 'sku-city-bike' || p.sku === 'sku-helmet'))
    assert.equal(picks.at(-1)?.reason, 'Something new for you')
  })

  it('ignores purchased SKUs the catalogue no longer sells', () => {
    assert.deepEqual(recommend(CATALOGUE, bought('sku-discontinued')).length, RECOMMENDATION_LIMIT)
  })

  it('a customer who owns everything is offered again what she bought longest ago, never her latest purchases', () => {
    const everything = CATALOGUE.map((p) => p.sku)
    const picks = recommend(CATALOGUE, bought(...everything))
    assert.equal(picks.length, RECOMMENDATION_LIMIT)
    assert.deepEqual(
      picks.map((p) => p.sku),
      everything.slice(0, RECOMMENDATION_LIMIT),
    )
    assert.ok(picks.every((p) => p.reason === 'Buy it again'))
    const latest = everything.slice(-RECENTLY_BOUGHT)
    assert.ok(!picks.some((p) => latest.includes(p.sku)))
  })

  it('buying the first pick removes it from the list, even when she owns everything', () => {
    const everything = CATALOGUE.map((p) => p.sku)
    const [first] = recommend(CATALOGUE, bought(...everything))
    const after = bought(...everything.filter((sku) => sku !== first?.sku), first?.sku ?? '')
    assert.ok(!recommend(CATALOGUE, after).some((p) => p.sku === first?.sku))
  })
})
