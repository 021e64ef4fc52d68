import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  CALL_GRAPH,
  PARTNER_TARGET,
  isAllowedTarget,
} from '../../../src/policies/token-exchange-graph.ts'
import { resourceCatalogue } from '../../../src/policies/resources.ts'
import { SERVICES } from '@mythical/infra/stack'

test('the edges of SCENARIO.md are allowed', () => {
  for (const [caller, target] of [
    ['web', 'gateway'],
    ['web', PARTNER_TARGET],
    ['gateway', 'my-shopping-api'],
    ['gateway', 'shop-assistant-api'],
    ['my-shopping-api', 'order-fulfillment-api'],
    ['my-shopping-api', 'customers-api'],
    ['my-shopping-api', 'recommendations-api'],
    ['shop-assistant-api', 'customers-api'],
    ['order-fulfillment-api', 'orders-api'],
    ['order-fulfillment-api', 'customers-api'],
  ]) {
    assert.equal(isAllowedTarget(caller ?? '', target ?? ''), true, `${caller} → ${target}`)
  }
})

test('shortcuts, reversed edges and unknown callers are refused', () => {
  for (const [caller, target] of [
    ['gateway', 'orders-api'],
    ['web', 'my-shopping-api'],
    ['orders-api', 'order-fulfillment-api'],
    ['shop-assistant-api', 'orders-api'],
    ['web-staff', PARTNER_TARGET],
    ['mallory', 'gateway'],
    ['constructor', 'gateway'],
  ]) {
    assert.equal(isAllowedTarget(caller ?? '', target ?? ''), false, `${caller} → ${target}`)
  }
})

test('every target of the graph is a resource of the catalogue and a manifest service', () => {
  const catalogue = [...resourceCatalogue('https://localhost:5000').values()]
  const services = new Set(catalogue.map((r) => r.service))
  for (const targets of Object.values(CALL_GRAPH)) {
    for (const t of targets) assert.ok(services.has(t), t)
  }
  for (const caller of Object.keys(CALL_GRAPH).filter((c) => c !== 'web-staff')) {
    assert.ok(
      SERVICES.some((s) => s.name === caller),
      caller,
    )
  }
})

test('gateway tokens are opaque, internal tokens and the partner token are JWTs', () => {
  const catalogue = resourceCatalogue('https://localhost:5000')
  assert.equal(catalogue.get('https://gateway.retail.mythical.example')?.format, 'opaque')
  assert.equal(catalogue.get('https://orders-api.retail.mythical.example')?.format, 'jwt')
  assert.deepEqual(catalogue.get('https://localhost:5000')?.scopes, ['tracking:read'])
})
