import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  CALL_GRAPH,
  SERVICES,
  TRUST_BOUNDARIES,
  callBetween,
  calleesOf,
  exportsSpans,
  startDependenciesOf,
  callerWorkloadIds,
  callersOf,
  isAllowedTarget,
  serviceByName,
  tokenAudiences,
} from '../src/index.ts'

test('the token hops of SCENARIO.md are allowed', () => {
  for (const [client, target] of [
    ['web', 'gateway'],
    ['web-staff', 'gateway'],
    ['web', 'partner-idp'],
    ['gateway', 'my-shopping-api'],
    ['gateway', 'shop-assistant-api'],
    ['my-shopping-api', 'order-fulfillment-api'],
    ['my-shopping-api', 'customers-api'],
    ['my-shopping-api', 'recommendations-api'],
    ['shop-assistant-api', 'customers-api'],
    ['order-fulfillment-api', 'orders-api'],
  ] as const) {
    assert.equal(isAllowedTarget(client, target), true, `${client} → ${target}`)
  }
})

test('shortcuts, reversed edges, non-token hops and unknown clients are refused', () => {
  for (const [client, target] of [
    ['gateway', 'orders-api'],
    ['web', 'my-shopping-api'],
    ['orders-api', 'order-fulfillment-api'],
    ['shop-assistant-api', 'orders-api'],
    // loyalty points travel as the order.placed event, never as a call
    ['order-fulfillment-api', 'customers-api'],
    // the vault takes a signed body, not a retail token
    ['order-fulfillment-api', 'tokenization-api'],
    // the partner API takes partner tokens only
    ['web', 'order-tracking-api'],
    ['web', 'idp'],
    ['web-staff', 'partner-idp'],
    ['mallory', 'gateway'],
    ['constructor', 'gateway'],
  ] as const) {
    assert.equal(isAllowedTarget(client, target), false, `${client} → ${target}`)
  }
})

test('callers and callees name manifest services, and each hop is listed once', () => {
  const names = new Set(SERVICES.map((s) => s.name))
  const seen = new Set<string>()
  for (const call of CALL_GRAPH) {
    assert.ok(names.has(call.caller), call.caller)
    assert.ok(names.has(call.callee), call.callee)
    assert.notEqual(call.caller, call.callee)
    const key = `${call.caller} → ${call.callee}`
    assert.ok(!seen.has(key), `${key} twice`)
    seen.add(key)
    if (call.boundary) assert.ok(Object.hasOwn(TRUST_BOUNDARIES, call.boundary), key)
    if (call.clients) assert.equal(call.credential, 'access-token', key)
  }
})

test("a service's dependsOn is its callees followed by its infrastructure", () => {
  assert.deepEqual(serviceByName('order-fulfillment-api').dependsOn, [
    'idp',
    'orders-api',
    'tokenization-api',
    'trace-store',
    'rabbitmq',
    'postgres',
  ])
  assert.deepEqual(serviceByName('gateway').dependsOn, [
    'idp',
    'my-shopping-api',
    'shop-assistant-api',
    'trace-store',
  ])
  for (const s of SERVICES) {
    assert.deepEqual(
      s.dependsOn.filter((d) => d !== 'postgres' && d !== 'rabbitmq'),
      startDependenciesOf(s.name),
    )
  }
  // The IdP exports spans to trace-store, which needs the IdP to start: no start dependency.
  assert.ok(calleesOf('idp').includes('trace-store'))
  assert.deepEqual(serviceByName('idp').dependsOn, ['postgres'])
})

test('an internal service is called only by workloads of the graph, across the named boundary', () => {
  assert.deepEqual(callersOf('orders-api'), ['order-fulfillment-api'])
  assert.deepEqual(callersOf('customers-api'), ['my-shopping-api', 'shop-assistant-api'])
  assert.deepEqual(callersOf('tokenization-api'), ['order-fulfillment-api', 'payments-api'])
  assert.deepEqual(callersOf('web'), [])
  assert.deepEqual(callerWorkloadIds('my-shopping-api'), [
    'spiffe://retail.mythical.example/gateway',
  ])
  assert.deepEqual(callerWorkloadIds('shipping-api'), [
    'spiffe://shipping.mythical.example/order-tracking-api',
  ])
  assert.equal(callBetween('order-fulfillment-api', 'tokenization-api')?.boundary, 'TB07')
  assert.equal(callBetween('gateway', 'my-shopping-api')?.boundary, 'TB04')
  assert.equal(callBetween('gateway', 'orders-api'), undefined)
})

test('token audiences per client', () => {
  assert.deepEqual(tokenAudiences('web'), ['gateway', 'partner-idp'])
  assert.deepEqual(tokenAudiences('web-staff'), ['gateway'])
  assert.deepEqual(tokenAudiences('orders-api'), [])
})

test('retail workloads export their spans; the vault, the partner and the store itself do not', () => {
  for (const workload of ['gateway', 'my-shopping-api', 'orders-api', 'idp', 'payments-api'])
    assert.equal(exportsSpans(workload), true, workload)
  for (const workload of ['tokenization-api', 'partner-idp', 'shipping-api', 'trace-store', 'web'])
    assert.equal(exportsSpans(workload), false, workload)
})
