/**
 * TB09 reliability on a real broker that is restarted: with `order.placed` events queued and the
 * consumer stopped, the broker restarts; nothing is lost (quorum queues, persistent messages,
 * publisher confirms), and the consumer then processes every event exactly once (inbox). A forged
 * message on the same queue is dead-lettered with its reason in a header while the queue flows.
 *
 * It restarts a separate node (own name, ports and folder, same config and definitions), so the
 * suites and the stack sharing the stack's node are not disturbed.
 */
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { ChannelModel, ConfirmChannel } from 'amqplib'
import type pg from 'pg'
import { connectBroker } from '@mythical/broker'
import { createDatabasePool } from '@mythical/db'
import { captureAudit } from '@mythical/testing'
// infra does not depend on the events and audit packages: the consumer under test and its audit
// logger are imported from their sources.
import { createAuditLogger } from '../../../../packages/audit/src/index.ts'
import {
  consumeEvents,
  ORDER_PLACED,
  ORDER_PLACED_PUBLISHER as PUBLISHER,
  orderPlacedOpener,
  orderPlacedQueue,
  orderPlacedSealer,
  REJECTION_HEADERS,
} from '../../../../packages/events/src/index.ts'
import type { EventConsumer, VerifiedEvent } from '../../../../packages/events/src/index.ts'
import { startSeparateBroker, type SeparateBroker } from './broker-fixture.ts'

const CONSUMER = 'customers-api'
const QUEUE = orderPlacedQueue(CONSUMER)
const DLQ = `${QUEUE}.dlq`
const QUEUED = 25

let broker: SeparateBroker
let pool: pg.Pool
const open: ChannelModel[] = []

async function connectAs(service: string): Promise<ChannelModel> {
  const conn = await connectBroker(broker.paths.secrets(service), {
    serverCaFile: broker.paths.caCert('retail'),
  })
  conn.on('error', () => {})
  open.push(conn)
  return conn
}

const publish = (channel: ConfirmChannel, body: Buffer, messageId: string) =>
  new Promise<void>((resolve, reject) =>
    channel.publish('orders', ORDER_PLACED, body, { messageId, persistent: true }, (err) =>
      err ? reject(new Error(`not confirmed: ${messageId}`)) : resolve(),
    ),
  )

/** A sealed `order.placed`, as the relay publishes it. */
async function sealedOrders(count: number): Promise<{ id: string; body: Buffer }[]> {
  const seal = await orderPlacedSealer(broker.paths.secrets(PUBLISHER), broker.paths.pki)
  return Promise.all(
    Array.from({ length: count }, async () => {
      const id = randomUUID()
      const data = {
        version: 1,
        orderId: randomUUID(),
        customer: 'katie-restart',
        items: [{ sku: 'SHOE-1', quantity: 1, priceCents: 1999 }],
        totalCents: 1999,
        currency: 'EUR',
        card: { token: 'tok_visa_9f8e7d', brand: 'visa', last4: '1111' },
        traceId: randomBytes(16).toString('hex'),
        placedAt: new Date().toISOString(),
      }
      return { id, body: await seal({ id, type: ORDER_PLACED, data }) }
    }),
  )
}

const queueDepth = async (queue: string): Promise<number> => {
  const channel = await (await connectAs(CONSUMER)).createChannel()
  return (await channel.checkQueue(queue)).messageCount
}

async function until(
  what: string,
  done: () => boolean,
  seen: () => unknown,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${what}: ${JSON.stringify(seen())}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('broker restart with events queued (TB09 reliability)', () => {
  before(async () => {
    broker = await startSeparateBroker()
    // customers-api's own database (the stack's PostgreSQL): its inbox gives exactly-once.
    pool = createDatabasePool(broker.paths.secrets(CONSUMER))
  })

  after(async () => {
    await Promise.allSettled(open.map((conn) => conn.close()))
    await pool?.end()
    await broker?.tearDown()
  })

  it('loses nothing across a restart; the consumer then processes every event exactly once', async () => {
    const events = await sealedOrders(QUEUED)
    const publisher = await (await connectAs(PUBLISHER)).createConfirmChannel()
    await Promise.all(events.map(({ id, body }) => publish(publisher, body, id)))
    assert.equal(await queueDepth(QUEUE), QUEUED, 'queued while no consumer runs')

    await Promise.allSettled(open.splice(0).map((conn) => conn.close()))
    await broker.restart()
    assert.equal(await queueDepth(QUEUE), QUEUED, 'still queued after the restart')

    const capture = captureAudit()
    const audit = createAuditLogger({
      service: CONSUMER,
      level: 'fatal',
      destination: capture.destination,
    })
    const effects = new Map<string, number>()
    const channel = await (await connectAs(CONSUMER)).createConfirmChannel()
    const consumer: EventConsumer = await consumeEvents({
      channel,
      queue: QUEUE,
      open: await orderPlacedOpener(CONSUMER, broker.paths.secrets(CONSUMER), broker.paths.pki),
      pool,
      audit,
      handle: async (event: VerifiedEvent) => {
        effects.set(event.id, (effects.get(event.id) ?? 0) + 1)
      },
    })
    try {
      const outcomes = () => capture.records.map((r) => r.reason)
      await until('every event processed', () => effects.size === QUEUED, outcomes)
      // The same events once more (a relay re-publishing after a crash): no second effect.
      const again = await (await connectAs(PUBLISHER)).createConfirmChannel()
      await Promise.all(events.slice(0, 5).map(({ id, body }) => publish(again, body, id)))
      await until('duplicates decided', () => capture.records.length === QUEUED + 5, outcomes)
    } finally {
      await consumer.stop()
    }
    assert.deepEqual([...effects.keys()].sort(), events.map((e) => e.id).sort())
    assert.ok(
      [...effects.values()].every((n) => n === 1),
      'exactly one effect per event',
    )
    const outcomes = capture.records.map((r) => r.reason)
    assert.equal(outcomes.filter((o) => o === 'event.processed').length, QUEUED)
    assert.equal(outcomes.filter((o) => o === 'event.duplicate').length, 5)
    assert.equal(await queueDepth(QUEUE), 0)
    assert.equal(await queueDepth(DLQ), 0, 'nothing dead-lettered')
  })

  it('dead-letters a forged message with its reason in a header; the next event still flows', async () => {
    const capture = captureAudit()
    const audit = createAuditLogger({
      service: CONSUMER,
      level: 'fatal',
      destination: capture.destination,
    })
    const processed: string[] = []
    const channel = await (await connectAs(CONSUMER)).createConfirmChannel()
    const consumer = await consumeEvents({
      channel,
      queue: QUEUE,
      open: await orderPlacedOpener(CONSUMER, broker.paths.secrets(CONSUMER), broker.paths.pki),
      pool,
      audit,
      handle: async (event) => void processed.push(event.id),
    })
    const publisher = await (await connectAs(PUBLISHER)).createConfirmChannel()
    const forgedId = randomUUID()
    const [legit] = await sealedOrders(1)
    assert.ok(legit)
    try {
      // A stolen publisher identity sends a body that is not an envelope at all.
      await publish(
        publisher,
        Buffer.from(JSON.stringify({ orderId: 'x', totalCents: 1 })),
        forgedId,
      )
      await publish(publisher, legit.body, legit.id)
      await until(
        'legit processed',
        () => processed.includes(legit.id),
        () => capture.records.map((r) => r.reason),
      )
    } finally {
      await consumer.stop()
    }
    const reader = await (await connectAs(CONSUMER)).createChannel()
    const dead = await reader.get(DLQ, { noAck: false })
    assert.ok(dead, 'the forged message is in the DLQ')
    assert.equal(dead.properties.messageId, forgedId)
    const headers = dead.properties.headers ?? {}
    assert.equal(headers[REJECTION_HEADERS.reason], 'event.unencrypted')
    assert.equal(headers[REJECTION_HEADERS.queue], QUEUE)
    const [denied] = capture.records.filter((r) => r.tokenId === forgedId)
    assert.equal(denied?.reason, 'event.unencrypted')
    assert.equal(denied?.decision, 'deny')
    assert.equal(headers[REJECTION_HEADERS.traceId], denied?.traceId)
    assert.deepEqual(JSON.parse(dead.content.toString()), { orderId: 'x', totalCents: 1 })
    reader.ack(dead)
    assert.equal(await queueDepth(DLQ), 0)
  })
})
