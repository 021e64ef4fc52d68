/**
 * The BFF's trust-trace routes: her recent requests and one trace by its W3C trace id, nothing
 * else (no path or query smuggled through the id).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gatewayRoute } from '../../src/bff/gateway-routes.ts'

const none = new URLSearchParams()
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

describe('gatewayRoute: trust trace', () => {
  it('maps the recent requests and one trace to the contract paths', () => {
    assert.deepEqual(gatewayRoute('GET', '/api/traces', none), {
      method: 'GET',
      path: '/shopping/me/traces',
    })
    assert.deepEqual(gatewayRoute('GET', `/api/traces/${TRACE}`, none), {
      method: 'GET',
      path: `/shopping/me/traces/${TRACE}`,
    })
  })

  it('refuses anything that is not a trace id', () => {
    for (const id of [TRACE.toUpperCase(), `${TRACE}0`, '..%2Forders', `${TRACE}/x`]) {
      assert.equal(gatewayRoute('GET', `/api/traces/${id}`, none), undefined, id)
    }
    assert.equal(gatewayRoute('POST', '/api/traces', none), undefined)
  })
})
