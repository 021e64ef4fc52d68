/**
 * The BFF proxies only the contract's routes: every `/api/*` path maps to exactly one gateway
 * path, an order id cannot smuggle a path or query, and anything else is not proxied at all.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gatewayRoute } from '../../src/bff/gateway-routes.ts'

const none = new URLSearchParams()

describe('gatewayRoute', () => {
  it('maps the shopper and staff routes of the contract', () => {
    assert.deepEqual(gatewayRoute('GET', '/api/orders', none), {
      method: 'GET',
      path: '/shopping/me/orders',
    })
    assert.deepEqual(gatewayRoute('GET', '/api/orders/ord_1', none), {
      method: 'GET',
      path: '/shopping/me/orders/ord_1',
    })
    assert.deepEqual(gatewayRoute('POST', '/api/orders', none), {
      method: 'POST',
      path: '/shopping/me/orders',
    })
    assert.deepEqual(
      gatewayRoute('GET', '/api/staff/customers', new URLSearchParams({ q: 'kat&x=1' })),
      {
        method: 'GET',
        path: '/assistant/customers?q=kat%26x%3D1',
      },
    )
  })

  it('lets no order id carry a path or a query', () => {
    for (const id of ['..', '%2e%2e', 'a?b', 'a%2Fb', 'a.b']) {
      assert.equal(gatewayRoute('GET', `/api/orders/${id}`, none), undefined, id)
    }
  })

  it('proxies nothing outside the contract', () => {
    assert.equal(gatewayRoute('DELETE', '/api/orders', none), undefined)
    assert.equal(gatewayRoute('GET', '/api/admin', none), undefined)
    assert.equal(gatewayRoute('POST', '/api/products', none), undefined)
  })
})
