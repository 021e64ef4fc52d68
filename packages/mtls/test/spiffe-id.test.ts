import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseSpiffeId } from '../src/index.ts'

describe('parseSpiffeId', () => {
  it('splits a workload id into trust domain and path', () => {
    assert.deepEqual(parseSpiffeId('spiffe://retail.mythical.example/orders-api'), {
      trustDomain: 'retail.mythical.example',
      path: '/orders-api',
    })
    assert.deepEqual(parseSpiffeId('spiffe://retail.mythical.example/ns/prod/sa_1.x'), {
      trustDomain: 'retail.mythical.example',
      path: '/ns/prod/sa_1.x',
    })
  })

  const invalid: [string, string][] = [
    ['https://retail.mythical.example/orders-api', 'scheme must be "spiffe://"'],
    ['SPIFFE://retail.mythical.example/orders-api', 'scheme must be "spiffe://"'],
    ['spiffe:///orders-api', 'missing trust domain'],
    ['spiffe://Retail.mythical.example/orders-api', 'trust domain may only contain'],
    ['spiffe://retail.mythical.example:443/orders-api', 'trust domain may only contain'],
    ['spiffe://user@retail.mythical.example/orders-api', 'trust domain may only contain'],
    ['spiffe://retail.mythical.example', 'missing workload path'],
    ['spiffe://retail.mythical.example/', 'empty path segment'],
    ['spiffe://retail.mythical.example/orders-api/', 'empty path segment'],
    ['spiffe://retail.mythical.example//orders-api', 'empty path segment'],
    ['spiffe://retail.mythical.example/a/../orders-api', 'relative path segment'],
    ['spiffe://retail.mythical.example/./orders-api', 'relative path segment'],
    ['spiffe://retail.mythical.example/orders%2Dapi', 'path segments may only contain'],
    ['spiffe://retail.mythical.example/orders-api?x=1', 'path segments may only contain'],
    ['spiffe://retail.mythical.example/orders-api#f', 'path segments may only contain'],
    [`spiffe://retail.mythical.example/${'a'.repeat(2048)}`, 'longer than 2048 bytes'],
  ]
  for (const [id, why] of invalid) {
    it(`rejects ${id.slice(0, 60)}`, () => {
      assert.throws(() => parseSpiffeId(id), {
        name: 'WorkloadIdentityError',
        code: 'ERR_MTLS_INVALID_SPIFFE_ID',
        message: new RegExp(`^invalid SPIFFE id: ${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      })
    })
  }
})
