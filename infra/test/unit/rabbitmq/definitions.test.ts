import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildDefinitions, DELIVERY_LIMIT } from '../../../src/rabbitmq/definitions.ts'
import { brokerGrants } from '../../../src/rabbitmq/grants.ts'
import { BROKER_TOPOLOGY } from '@mythical/stack'

const grants = brokerGrants()
const input = { vhost: 'mythical', topology: BROKER_TOPOLOGY, grants }
const PUBLISHER = 'spiffe://retail.mythical.example/order-fulfillment-api'
const defs = buildDefinitions(input)

describe('buildDefinitions', () => {
  test('is pure: the same input gives the same document', () => {
    assert.deepEqual(buildDefinitions(input), defs)
  })

  test('declares the vhost and one tagless user per grant, none with a password', () => {
    assert.deepEqual(defs.vhosts, [{ name: 'mythical' }])
    assert.equal(defs.users.length, grants.length)
    for (const user of defs.users) {
      // Empty: no password matches it; the login is the certificate (SASL EXTERNAL).
      assert.equal(user.password_hash, '')
      assert.equal(user.hashing_algorithm, 'rabbit_password_hashing_sha256')
      assert.deepEqual(user.tags, [], 'no management/administrator tags')
    }
    assert.equal(
      defs.users.some((u) => u.name === 'guest'),
      false,
    )
  })

  test('copies every grant into permissions and topic permissions on the vhost', () => {
    assert.deepEqual(
      defs.permissions.find((p) => p.user === PUBLISHER),
      {
        user: PUBLISHER,
        vhost: 'mythical',
        configure: '^$',
        write: '^orders$',
        read: '^$',
      },
    )
    assert.deepEqual(defs.topic_permissions, [
      {
        user: PUBLISHER,
        vhost: 'mythical',
        exchange: 'orders',
        write: '^order\\.placed$',
        read: '^$',
      },
    ])
  })

  test('declares orders, the internal dead-letter exchange and one fanout DLX per consumer queue', () => {
    assert.deepEqual(
      defs.exchanges.map(({ name, type, durable, internal }) => ({
        name,
        type,
        durable,
        internal,
      })),
      [
        { name: 'orders', type: 'topic', durable: true, internal: false },
        { name: 'dead-letter', type: 'direct', durable: true, internal: true },
        ...BROKER_TOPOLOGY.queues.map((q) => ({
          name: `${q.name}.dlx`,
          type: 'fanout',
          durable: true,
          internal: false,
        })),
      ],
    )
  })

  test('declares per consumer a quorum queue that dead-letters into its own DLQ', () => {
    const queue = defs.queues.find((q) => q.name === 'customers-api.order-placed')
    assert.deepEqual(queue, {
      name: 'customers-api.order-placed',
      vhost: 'mythical',
      durable: true,
      auto_delete: false,
      arguments: {
        'x-queue-type': 'quorum',
        'x-dead-letter-exchange': 'dead-letter',
        'x-dead-letter-routing-key': 'customers-api.order-placed',
        'x-delivery-limit': DELIVERY_LIMIT,
      },
    })
    const dlq = defs.queues.find((q) => q.name === 'customers-api.order-placed.dlq')
    assert.deepEqual(dlq?.arguments, { 'x-queue-type': 'quorum' })
    assert.equal(defs.queues.length, BROKER_TOPOLOGY.queues.length * 2)
  })

  test('binds each queue to orders, each DLQ to dead-letter with its queue name and to its DLX', () => {
    for (const { name } of BROKER_TOPOLOGY.queues) {
      const bindings = defs.bindings
        .filter((b) => b.destination === name || b.destination === `${name}.dlq`)
        .map(({ source, destination, routing_key }) => ({ source, destination, routing_key }))
      assert.deepEqual(bindings, [
        { source: 'orders', destination: name, routing_key: 'order.placed' },
        { source: 'dead-letter', destination: `${name}.dlq`, routing_key: name },
        { source: `${name}.dlx`, destination: `${name}.dlq`, routing_key: '' },
      ])
    }
    assert.equal(defs.bindings.length, BROKER_TOPOLOGY.queues.length * 3)
  })
})
