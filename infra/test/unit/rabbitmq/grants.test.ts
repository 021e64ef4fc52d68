import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { brokerGrants, NOTHING } from '../../../src/rabbitmq/grants.ts'
import type { BrokerGrant, BrokerTopology } from '../../../src/rabbitmq/grants.ts'
import { BROKER_TOPOLOGY, SERVICES, workloadId, type ServiceDefinition } from '@mythical/stack'

const grants = brokerGrants()
/** The grant of a service (or operator identity) by the secrets folder holding its certificate. */
const grant = (owner: string): BrokerGrant => {
  const found = grants.find((g) => g.owner === owner)
  assert.ok(found, `no grant for ${owner}`)
  return found
}
const matches = (regex: string, name: string) => new RegExp(regex).test(name)

describe('brokerGrants (from the stack manifest)', () => {
  test('one user per service with a broker entry, plus the health probe, named by SPIFFE id', () => {
    const expected = SERVICES.filter((s) => s.broker).map((s) => workloadId(s.domain, s.name))
    assert.deepEqual(
      grants.map((g) => g.username),
      [...expected, 'spiffe://retail.mythical.example/stack-probe'],
    )
    // The partner's consumer is a user of its own trust domain: a retail look-alike is another user.
    assert.ok(expected.includes('spiffe://shipping.mythical.example/shipping-api'))
  })

  test('the publisher may write to orders with order.placed only', () => {
    assert.deepEqual(grant('order-fulfillment-api'), {
      username: 'spiffe://retail.mythical.example/order-fulfillment-api',
      owner: 'order-fulfillment-api',
      configure: '^$',
      write: '^orders$',
      read: '^$',
      topics: [{ exchange: 'orders', write: '^order\\.placed$', read: '^$' }],
    })
  })

  test('each consumer may read its own queue and its DLQ, and write only to its own DLX', () => {
    assert.deepEqual(grant('customers-api'), {
      username: 'spiffe://retail.mythical.example/customers-api',
      owner: 'customers-api',
      configure: '^$',
      write: '^customers-api\\.order-placed\\.dlx$',
      read: '^customers-api\\.order-placed(\\.dlq)?$',
      topics: [],
    })
    for (const service of ['payments-api', 'recommendations-api', 'shipping-api']) {
      const g = grant(service)
      assert.equal(g.configure, NOTHING)
      assert.equal(g.write, `^${service}\\.order-placed\\.dlx$`)
      assert.equal(g.read, `^${service}\\.order-placed(\\.dlq)?$`)
    }
  })

  test("a consumer's write regex matches its own DLX only (not orders, not another's DLX)", () => {
    const write = grant('customers-api').write
    assert.ok(matches(write, 'customers-api.order-placed.dlx'))
    for (const other of [
      'orders',
      'dead-letter',
      'amq.default',
      'payments-api.order-placed.dlx',
      'customers-api.order-placed',
      'customers-api.order-placed.dlq',
    ]) {
      assert.equal(matches(write, other), false, other)
    }
  })

  test('consumer regexes match exactly their queues (dots are literal)', () => {
    const read = grant('customers-api').read
    assert.ok(matches(read, 'customers-api.order-placed'))
    assert.ok(matches(read, 'customers-api.order-placed.dlq'))
    for (const other of [
      'payments-api.order-placed',
      'customers-api.order-placed.dlqx',
      'customers-api-order-placed',
      'customers-apiXorder-placed',
      'xcustomers-api.order-placed',
      '',
    ]) {
      assert.equal(matches(read, other), false, other)
    }
  })

  test('the publisher write regex matches orders only', () => {
    const write = grant('order-fulfillment-api').write
    assert.ok(matches(write, 'orders'))
    for (const other of ['dead-letter', 'amq.default', 'amq.topic', 'orders2', 'xorders', '']) {
      assert.equal(matches(write, other), false, other)
    }
  })

  test('nobody may configure, and the probe may do nothing', () => {
    for (const g of grants) assert.equal(g.configure, NOTHING, g.username)
    assert.deepEqual(grant('stack-probe-retail'), {
      username: 'spiffe://retail.mythical.example/stack-probe',
      owner: 'stack-probe-retail',
      configure: NOTHING,
      write: NOTHING,
      read: NOTHING,
      topics: [],
    })
    assert.equal(matches(NOTHING, 'anything'), false)
  })

  test('several exchanges or queues become one anchored alternation', () => {
    const topology: BrokerTopology = {
      exchanges: [
        { name: 'orders', type: 'topic' },
        { name: 'audit', type: 'fanout' },
      ],
      deadLetterExchange: 'dead-letter',
      queues: [
        { name: 'a.q', exchange: 'orders', routingKey: 'order.placed' },
        { name: 'b.q', exchange: 'orders', routingKey: 'order.shipped' },
      ],
    }
    const service: ServiceDefinition = {
      ...SERVICES[0],
      name: 'multi-api',
      broker: { publishes: ['orders', 'audit'], consumes: ['a.q', 'b.q'] },
    } as ServiceDefinition
    const [g] = brokerGrants([service], topology)
    assert.equal(g?.write, '^(orders|audit|a\\.q\\.dlx|b\\.q\\.dlx)$')
    assert.equal(g?.read, '^(a\\.q|b\\.q)(\\.dlq)?$')
    // Topic permissions only exist for topic exchanges.
    assert.deepEqual(g?.topics, [
      { exchange: 'orders', write: '^(order\\.placed|order\\.shipped)$', read: '^$' },
    ])
  })

  test('a service naming an undeclared exchange or queue is a manifest error', () => {
    const base = SERVICES.find((s) => s.name === 'customers-api') as ServiceDefinition
    assert.throws(
      () => brokerGrants([{ ...base, broker: { consumes: ['nope'] } }], BROKER_TOPOLOGY),
      { name: 'TypeError', message: 'customers-api: broker.consumes names unknown queue "nope"' },
    )
    assert.throws(
      () => brokerGrants([{ ...base, broker: { publishes: ['payments'] } }], BROKER_TOPOLOGY),
      {
        name: 'TypeError',
        message: 'customers-api: broker.publishes names unknown exchange "payments"',
      },
    )
  })
})
