import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { brokerGrants, NOTHING } from '../../../src/rabbitmq/grants.ts'
import type { BrokerGrant, BrokerTopology } from '../../../src/rabbitmq/grants.ts'
import { BROKER_TOPOLOGY, SERVICES, type ServiceDefinition } from '@mythical/stack'

const grants = brokerGrants()
const grant = (username: string): BrokerGrant => {
  const found = grants.find((g) => g.username === username)
  assert.ok(found, `no grant for ${username}`)
  return found
}
const matches = (regex: string, name: string) => new RegExp(regex).test(name)

describe('brokerGrants (from the stack manifest)', () => {
  test('one user per service with a broker entry, plus the health probe', () => {
    const expected = SERVICES.filter((s) => s.broker).map((s) => s.name.replaceAll('-', '_'))
    assert.deepEqual(
      grants.map((g) => g.username),
      [...expected, 'stack_probe'],
    )
  })

  test('the publisher may write to orders with order.placed only', () => {
    assert.deepEqual(grant('order_fulfillment_api'), {
      username: 'order_fulfillment_api',
      owner: 'order-fulfillment-api',
      configure: '^$',
      write: '^orders$',
      read: '^$',
      topics: [{ exchange: 'orders', write: '^order\\.placed$', read: '^$' }],
    })
  })

  test('each consumer may read its own queue and its DLQ, nothing else', () => {
    assert.deepEqual(grant('customers_api'), {
      username: 'customers_api',
      owner: 'customers-api',
      configure: '^$',
      write: '^$',
      read: '^customers-api\\.order-placed(\\.dlq)?$',
      topics: [],
    })
    for (const service of ['payments-api', 'recommendations-api', 'shipping-api']) {
      const g = grant(service.replaceAll('-', '_'))
      assert.equal(g.configure, NOTHING)
      assert.equal(g.write, NOTHING)
      assert.equal(g.read, `^${service}\\.order-placed(\\.dlq)?$`)
    }
  })

  test('consumer regexes match exactly their queues (dots are literal)', () => {
    const read = grant('customers_api').read
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
    const write = grant('order_fulfillment_api').write
    assert.ok(matches(write, 'orders'))
    for (const other of ['dead-letter', 'amq.default', 'amq.topic', 'orders2', 'xorders', '']) {
      assert.equal(matches(write, other), false, other)
    }
  })

  test('nobody may configure, and the probe may do nothing', () => {
    for (const g of grants) assert.equal(g.configure, NOTHING, g.username)
    assert.deepEqual(grant('stack_probe'), {
      username: 'stack_probe',
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
    assert.equal(g?.write, '^(orders|audit)$')
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
