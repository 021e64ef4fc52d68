/**
 * The running loops on the real PostgreSQL and RabbitMQ, in the suites' own vhost and databases
 * (never racing a running stack): order-fulfillment-api's relay loop publishes an order from
 * its outbox, recommendations-api's subscriber loop applies it to the purchase history once —
 * including after the subscriber was stopped while the order was placed.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type pg from 'pg'
import { createAuditLogger } from '@mythical/audit'
import { withCustomerScope } from '@mythical/db'
import {
  ORDER_PLACED_PUBLISHER,
  startOrderPlacedRelay,
  startOrderPlacedSubscriber,
} from '@mythical/events'
import { stackPaths } from '@mythical/stack'
import { captureAudit } from '@mythical/testing'
import {
  connectTestBroker,
  drainOtherSubscribers,
  eventually,
  placeTestOrder,
  testDatabasePool,
} from '@mythical/events/testing'
import { recordPurchases } from '../../src/history-from-orders.ts'

const paths = stackPaths()
const SERVICE = 'recommendations-api'
const customer = `katie-history-${randomUUID().slice(0, 8)}`
const capture = captureAudit()
const audit = createAuditLogger({
  service: SERVICE,
  level: 'fatal',
  destination: capture.destination,
})

let publisherPool: pg.Pool
let historyPool: pg.Pool

const connectAs = (service: string) => () => connectTestBroker(service)

const historyOf = () =>
  withCustomerScope(historyPool, customer, async (db) => {
    const { rows } = await db.query<{ order_id: string; sku: string; quantity: number }>(
      'SELECT order_id, sku, quantity FROM purchase_history ORDER BY order_id, sku',
    )
    return rows
  })

describe('order.placed → purchase history through the running relay and subscriber loops', () => {
  before(() => {
    publisherPool = testDatabasePool(ORDER_PLACED_PUBLISHER)
    historyPool = testDatabasePool(SERVICE)
  })
  after(async () => {
    await drainOtherSubscribers(SERVICE).catch(() => {})
    await Promise.all([publisherPool.end(), historyPool.end()])
  })

  it('an order placed while the subscriber is down reaches the history exactly once when it starts', async () => {
    const relay = await startOrderPlacedRelay({
      secretsDir: paths.secrets(ORDER_PLACED_PUBLISHER),
      pkiDir: paths.pki,
      pool: publisherPool,
      connect: connectAs(ORDER_PLACED_PUBLISHER),
      log: audit.logger,
    })
    try {
      const { orderId } = await placeTestOrder(publisherPool, customer, [
        { sku: 'SHOE-1', quantity: 1, priceCents: 4999 },
        { sku: 'SOCK-2', quantity: 3, priceCents: 499 },
      ])
      await eventually(
        'relay',
        async () => {
          const { rows } = await publisherPool.query<{ published: boolean }>(
            'SELECT published_at IS NOT NULL AS published FROM outbox WHERE aggregate_id = $1',
            [orderId],
          )
          return rows[0]?.published
        },
        Boolean,
      )
      assert.deepEqual(await historyOf(), [])
      const subscriber = await startOrderPlacedSubscriber({
        service: SERVICE,
        secretsDir: paths.secrets(SERVICE),
        pkiDir: paths.pki,
        pool: historyPool,
        handle: recordPurchases,
        audit,
        connect: connectAs(SERVICE),
      })
      try {
        const history = await eventually('history', historyOf, (h) => h.length === 2)
        assert.deepEqual(history, [
          { order_id: orderId, sku: 'SHOE-1', quantity: 1 },
          { order_id: orderId, sku: 'SOCK-2', quantity: 3 },
        ])
        const decided = capture.records.filter((r) => r.reason === 'event.processed')
        assert.ok(decided.length >= 1)
      } finally {
        await subscriber.stop()
      }
    } finally {
      await relay.stop()
    }
  })
})
