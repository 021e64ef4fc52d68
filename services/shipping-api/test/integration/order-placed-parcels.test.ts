/**
 * TB09 for the partner, on the real PostgreSQL and RabbitMQ in the suites' own vhost and databases
 * (never racing a running stack): order-fulfillment-api's
 * outbox → relay → `orders` exchange → shipping-api's own queue, read with shipping-api's own
 * broker user and opened with its own key (the `shipping-partner` projection) → one parcel per
 * order, filed under the customer's pairwise subject, exactly once. A message the partner cannot
 * verify is dead-lettered with its reason and never becomes a parcel.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib'
import type pg from 'pg'
import { createAuditLogger } from '@mythical/audit'
import { withCustomerScope } from '@mythical/db'
import {
  consumeEvents,
  createOutboxRelay,
  ORDER_PLACED,
  ORDER_PLACED_PUBLISHER as PUBLISHER,
  orderPlacedOpener,
  orderPlacedPublisherId,
  orderPlacedQueue,
  orderPlacedSealer,
} from '@mythical/events'
import type { EventConsumer, OutboxRelay } from '@mythical/events'
import {
  connectTestBroker,
  drainOtherSubscribers,
  eventually,
  placeTestOrder,
  testDatabasePool,
} from '@mythical/events/testing'
import { loadPairwiseKey, pairwiseSubject } from '@mythical/service-kit'
import { stackPaths } from '@mythical/stack'
import { captureAudit } from '@mythical/testing'
import { parcelFromOrder } from '../../src/parcels/parcel-from-order.ts'

const paths = stackPaths()
const SERVICE = 'shipping-api'
const QUEUE = orderPlacedQueue(SERVICE)
const RETAIL_ISSUER = 'https://localhost:4000'
const customer = `katie-parcels-${randomUUID().slice(0, 8)}`

let publisherPool: pg.Pool
let shippingPool: pg.Pool
let publisherConn: ChannelModel
let publisherChannel: ConfirmChannel
let shippingConn: ChannelModel
let consumerChannel: Channel
let relay: OutboxRelay
let consumer: EventConsumer | undefined
const capture = captureAudit()
const audit = createAuditLogger({
  service: SERVICE,
  level: 'fatal',
  destination: capture.destination,
})

const outcomesOf = (ids: readonly string[]) =>
  capture.records
    .filter((r) => r.tokenId !== undefined && ids.includes(r.tokenId))
    .map((r) => r.reason)

/** The customer's parcels, as the partner files them: under her pairwise subject. */
const parcelsUnder = (subject: string) =>
  withCustomerScope(shippingPool, subject, async (db) => {
    const { rows } = await db.query<{ order_id: string; status: string; events: string }>(
      `SELECT p.order_id, p.status, count(e.status) AS events
         FROM parcels p LEFT JOIN parcel_events e ON e.parcel_id = p.id
        GROUP BY p.id ORDER BY p.created_at`,
    )
    return rows
  })

const pairwise = () =>
  pairwiseSubject(loadPairwiseKey(paths.secrets(SERVICE)), RETAIL_ISSUER, customer)

describe('order.placed from the outbox to a parcel (TB09, partner)', () => {
  before(async () => {
    publisherPool = testDatabasePool(PUBLISHER)
    shippingPool = testDatabasePool(SERVICE)
    publisherConn = await connectTestBroker(PUBLISHER)
    publisherChannel = await publisherConn.createConfirmChannel()
    relay = createOutboxRelay({
      pool: publisherPool,
      channel: publisherChannel,
      exchange: 'orders',
      seal: await orderPlacedSealer(paths.secrets(PUBLISHER), paths.pki),
      publisher: orderPlacedPublisherId(),
    })
    shippingConn = await connectTestBroker(SERVICE)
    consumerChannel = await shippingConn.createChannel()
    consumer = await consumeEvents({
      channel: consumerChannel,
      queue: QUEUE,
      open: await orderPlacedOpener(SERVICE, paths.secrets(SERVICE), paths.pki),
      pool: shippingPool,
      handle: parcelFromOrder({
        pairwiseKey: loadPairwiseKey(paths.secrets(SERVICE)),
        retailIssuer: RETAIL_ISSUER,
      }),
      audit,
    })
  })

  after(async () => {
    await consumer?.stop()
    await drainOtherSubscribers(SERVICE).catch(() => {})
    await shippingConn?.close()
    await publisherConn?.close()
    await Promise.all([publisherPool?.end(), shippingPool?.end()])
  })

  it('an order becomes one label-created parcel under the pairwise subject; a re-publish adds nothing', async () => {
    const { orderId, eventId } = await placeTestOrder(publisherPool, customer, [
      { sku: 'SHOE-1', quantity: 2, priceCents: 4999 },
    ])
    while ((await relay.publishPending()) > 0);
    await eventually(
      'processed',
      async () => outcomesOf([eventId]),
      (o) => o.length === 1,
    )
    assert.deepEqual(outcomesOf([eventId]), ['event.processed'])
    assert.deepEqual(await parcelsUnder(pairwise()), [
      { order_id: orderId, status: 'label-created', events: '1' },
    ])
    // Filed under the pairwise subject only: in the retail sub's scope there is nothing.
    assert.deepEqual(await parcelsUnder(customer), [])

    // A relay that crashed before marking the row publishes it again: the inbox absorbs it.
    await publisherPool.query('UPDATE outbox SET published_at = NULL WHERE event_id = $1', [
      eventId,
    ])
    while ((await relay.publishPending()) > 0);
    await eventually(
      'duplicate',
      async () => outcomesOf([eventId]),
      (o) => o.length === 2,
    )
    assert.deepEqual(outcomesOf([eventId]), ['event.processed', 'event.duplicate'])
    assert.equal((await parcelsUnder(pairwise())).length, 1)
  })

  it('an unencrypted order.placed with the publisher’s credentials is dead-lettered, no parcel', async () => {
    const messageId = randomUUID()
    const body = Buffer.from(
      JSON.stringify({ orderId: randomUUID(), customer, parcel: [{ sku: 'X', quantity: 1 }] }),
    )
    await new Promise<void>((resolve, reject) =>
      publisherChannel.publish(
        'orders',
        ORDER_PLACED,
        body,
        { messageId, persistent: true },
        (err) => (err ? reject(err) : resolve()),
      ),
    )
    await eventually(
      'refused',
      async () => outcomesOf([messageId]),
      (o) => o.length === 1,
    )
    assert.deepEqual(outcomesOf([messageId]), ['event.unencrypted'])
    assert.equal((await parcelsUnder(pairwise())).length, 1)
  })
})
