/**
 * TB08/TB09 end to end on the real PostgreSQL and RabbitMQ, in the suites' own vhost and databases
 * (so a running stack's relay and consumers never take this suite's rows or messages):
 * order-fulfillment-api's outbox
 * → relay (publisher confirms) → `orders` exchange → customers-api's own quorum queue → verified,
 * decrypted, inbox exactly once → loyalty points. Reliability (consumer stopped, relay crash
 * between publish and mark, bounded concurrent load) and attacks dead-lettered with their reason.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { ChannelModel, ConfirmChannel } from 'amqplib'
import type pg from 'pg'
import { SignJWT } from 'jose'
import { createAuditLogger } from '@mythical/audit'
import { withCustomerScope } from '@mythical/db'
import {
  consumeEvents,
  createOutboxRelay,
  orderPlacedPublisherId,
  databaseOnlyEffect,
  EVENT_JWT_TYPE,
  loadRecipientKeys,
  ORDER_PLACED,
  ORDER_PLACED_PUBLISHER as PUBLISHER,
  orderPlacedOpener,
  orderPlacedQueue,
  orderPlacedSealer,
  REJECTION_HEADERS,
  RETAIL_AUDIENCE,
} from '@mythical/events'
import type { EventConsumer, OutboxRelay } from '@mythical/events'
import { serviceByName, stackPaths, workloadId } from '@mythical/stack'
import { captureAudit } from '@mythical/testing'
import {
  connectTestBroker,
  drainOtherSubscribers,
  eventually,
  placeTestOrder,
  testDatabasePool,
} from '@mythical/events/testing'
import { earnLoyaltyPoints, pointsFor } from '../../src/loyalty-from-orders.ts'

const paths = stackPaths()
const QUEUE = orderPlacedQueue('customers-api')
const DLQ = `${QUEUE}.dlq`
const issuer = workloadId('retail', PUBLISHER)
const jwksOf = (service: string) => paths.publicJwks(serviceByName(service).domain, service)
const customer = `katie-events-${randomUUID().slice(0, 8)}`

let publisherPool: pg.Pool
let customersPool: pg.Pool
let publisherConn: ChannelModel
let publisherChannel: ConfirmChannel
let customersConn: ChannelModel
let consumerChannel: ConfirmChannel
let relay: OutboxRelay
let consumer: EventConsumer | undefined
let open: Parameters<typeof consumeEvents>[0]['open']
const capture = captureAudit()
const audit = createAuditLogger({
  service: 'customers-api',
  level: 'fatal',
  destination: capture.destination,
})

const placeOrder = async (totalCents: number): Promise<string> =>
  (
    await placeTestOrder(publisherPool, customer, [
      { sku: 'SHOE-1', quantity: 1, priceCents: totalCents },
    ])
  ).eventId

const pointsOfCustomer = () =>
  withCustomerScope(customersPool, customer, async (db) => {
    const { rows } = await db.query<{ points: string | null; orders: string }>(
      "SELECT sum(points) AS points, count(*) AS orders FROM loyalty_ledger WHERE reason = 'order_placed'",
    )
    return { points: Number(rows[0]?.points ?? 0), orders: Number(rows[0]?.orders ?? 0) }
  })

const outcomesOf = (ids: readonly string[]) =>
  capture.records
    .filter((r) => r.tokenId !== undefined && ids.includes(r.tokenId))
    .map((r) => r.reason)

async function startConsumer(): Promise<void> {
  consumer = await consumeEvents({
    channel: consumerChannel,
    queue: QUEUE,
    open,
    pool: customersPool,
    handle: earnLoyaltyPoints,
    audit,
  })
}

describe('order.placed from the outbox to loyalty points (TB08, TB09)', () => {
  before(async () => {
    publisherPool = testDatabasePool(PUBLISHER)
    customersPool = testDatabasePool('customers-api')
    const seal = await orderPlacedSealer(paths.secrets(PUBLISHER), paths.pki)
    open = await orderPlacedOpener('customers-api', paths.secrets('customers-api'), paths.pki)
    publisherConn = await connectTestBroker(PUBLISHER)
    publisherChannel = await publisherConn.createConfirmChannel()
    relay = createOutboxRelay({
      pool: publisherPool,
      channel: publisherChannel,
      exchange: 'orders',
      seal,
      publisher: orderPlacedPublisherId(),
    })
    customersConn = await connectTestBroker('customers-api')
    consumerChannel = await customersConn.createConfirmChannel()
    await startConsumer()
  })

  after(async () => {
    await consumer?.stop()
    await drainOtherSubscribers('customers-api').catch(() => {})
    await customersConn?.close()
    await publisherConn?.close()
    await Promise.all([publisherPool?.end(), customersPool?.end()])
  })

  it('publishes with confirms, marks the outbox, and every order earns its points once', async () => {
    const before = await pointsOfCustomer()
    const totals = [1999, 4550, 12000]
    const ids = await Promise.all(totals.map(placeOrder))
    while ((await relay.publishPending()) > 0);
    const { rows } = await publisherPool.query<{ unpublished: string }>(
      'SELECT count(*) AS unpublished FROM outbox WHERE event_id = ANY($1::uuid[]) AND published_at IS NULL',
      [ids],
    )
    assert.equal(rows[0]?.unpublished, '0')
    const expected = before.points + totals.reduce((s, t) => s + pointsFor(t), 0)
    await eventually('points', pointsOfCustomer, (p) => p.points === expected)
    await eventually(
      'audit',
      async () => outcomesOf(ids),
      (o) => o.length === 3,
    )
    assert.deepEqual(outcomesOf(ids), ['event.processed', 'event.processed', 'event.processed'])
  })

  it('a relay crash between publish and mark re-publishes; the duplicate has no effect', async () => {
    const ids = [await placeOrder(3000), await placeOrder(700)]
    while ((await relay.publishPending()) > 0);
    await eventually(
      'first delivery',
      async () => outcomesOf(ids),
      (o) => o.length === 2,
    )
    const points = await pointsOfCustomer()
    // The state a crash after the confirms but before the commit of the mark leaves behind.
    await publisherPool.query(
      'UPDATE outbox SET published_at = NULL WHERE event_id = ANY($1::uuid[])',
      [ids],
    )
    assert.equal(await relay.publishPending(), 2)
    await eventually(
      'duplicates',
      async () => outcomesOf(ids),
      (o) => o.length === 4,
    )
    assert.deepEqual(outcomesOf(ids).sort(), [
      'event.duplicate',
      'event.duplicate',
      'event.processed',
      'event.processed',
    ])
    assert.deepEqual(await pointsOfCustomer(), points)
  })

  it('a stopped consumer misses nothing: started again, it processes the backlog once', async () => {
    await consumer?.stop()
    const before = await pointsOfCustomer()
    const ids = await Promise.all([2500, 2600, 2700].map(placeOrder))
    while ((await relay.publishPending()) > 0);
    assert.deepEqual(outcomesOf(ids), [])
    await startConsumer()
    await eventually(
      'backlog',
      async () => outcomesOf(ids),
      (o) => o.length === 3,
    )
    assert.deepEqual(outcomesOf(ids), ['event.processed', 'event.processed', 'event.processed'])
    assert.equal((await pointsOfCustomer()).points, before.points + 25 + 26 + 27)
  })

  it('a consumer killed mid-processing, before its ack: redelivered and processed once', async () => {
    await consumer?.stop()
    const doomedConn = await connectTestBroker('customers-api')
    const doomedChannel = await doomedConn.createConfirmChannel()
    doomedChannel.on('error', () => {})
    let killed!: () => void
    const crashed = new Promise<void>((resolve) => (killed = resolve))
    await consumeEvents({
      channel: doomedChannel,
      queue: QUEUE,
      open,
      pool: customersPool,
      audit,
      // The effect is written, then the process dies: its socket is gone before the commit and the ack.
      handle: async (event, db) => {
        await earnLoyaltyPoints(event, db)
        const socket = (doomedConn.connection as unknown as { stream: Socket }).stream
        socket.destroy(new Error('consumer killed'))
        killed()
        throw new Error('killed')
      },
    })
    const before = await pointsOfCustomer()
    const id = await placeOrder(5100)
    while ((await relay.publishPending()) > 0);
    await crashed
    await startConsumer()
    await eventually(
      'redelivery',
      async () => outcomesOf([id]),
      (o) => o.includes('event.processed'),
    )
    assert.equal((await pointsOfCustomer()).points, before.points + 51)
    assert.deepEqual(
      outcomesOf([id]).filter((o) => o === 'event.processed'),
      ['event.processed'],
    )
  })

  it('forged, unsigned, unencrypted and mislabelled messages are dead-lettered with their reason; the queue keeps flowing', async () => {
    // An attacker holding the publisher's broker credentials, but not its signing key.
    const publishRaw = (body: Buffer, messageId: string) =>
      new Promise<void>((resolve, reject) =>
        publisherChannel.publish(
          'orders',
          ORDER_PLACED,
          body,
          { messageId, persistent: true },
          (err) => (err ? reject(err) : resolve()),
        ),
      )
    const { generateKeyPair, GeneralEncrypt } = await import('jose')
    const attacker = await generateKeyPair('ES256')
    const customersKeys = await loadRecipientKeys(jwksOf('customers-api'))
    const encryptToCustomers = async (plaintext: string) => {
      const jwe = new GeneralEncrypt(new TextEncoder().encode(plaintext)).setProtectedHeader({
        enc: 'A256GCM',
      })
      for (const key of customersKeys) {
        jwe.addRecipient(key.key).setUnprotectedHeader({ alg: key.alg, kid: key.kid })
      }
      return Buffer.from(JSON.stringify({ envelopes: [await jwe.encrypt()] }))
    }
    const forgedJwt = (jti: string) =>
      new SignJWT({
        event_type: ORDER_PLACED,
        data: { orderId: randomUUID(), customer, totalCents: 999999 },
      })
        .setProtectedHeader({ alg: 'ES256', kid: 'attacker', typ: EVENT_JWT_TYPE })
        .setIssuer(issuer)
        .setAudience(RETAIL_AUDIENCE)
        .setJti(jti)
        .setIssuedAt()
        .sign(attacker.privateKey)
    const attacks: [string, Buffer, string][] = []
    const plainId = randomUUID()
    attacks.push([
      plainId,
      Buffer.from(JSON.stringify({ customer, totalCents: 999999 })),
      'event.unencrypted',
    ])
    const unsignedId = randomUUID()
    attacks.push([
      unsignedId,
      await encryptToCustomers(JSON.stringify({ jti: unsignedId })),
      'event.unsigned',
    ])
    const forgedId = randomUUID()
    attacks.push([
      forgedId,
      await encryptToCustomers(await forgedJwt(forgedId)),
      'event.unknown_key',
    ])
    const before = await pointsOfCustomer()
    await purgeDlq()
    for (const [id, body] of attacks) await publishRaw(body, id)
    const legit = await placeOrder(4200)
    while ((await relay.publishPending()) > 0);
    const ids = [...attacks.map(([id]) => id), legit]
    await eventually(
      'all four decided',
      async () => outcomesOf(ids),
      (o) => o.length === 4,
    )
    for (const [id, , reason] of attacks) assert.deepEqual(outcomesOf([id]), [reason])
    assert.deepEqual(outcomesOf([legit]), ['event.processed'])
    assert.equal((await pointsOfCustomer()).points, before.points + 42)
    // Each dead letter carries the reason of its audit record in a header.
    const dead = await eventually('dead letters', readDlq, (d) => d.length === attacks.length)
    assert.deepEqual(dead.sort(), attacks.map(([id, , reason]) => `${id} ${reason}`).sort())
  })

  it('several hundred concurrent orders: the loyalty total is exact, nothing dead-lettered', async () => {
    await purgeDlq()
    const before = await pointsOfCustomer()
    const totals = Array.from({ length: 300 }, (_, i) => 100 + ((i * 37) % 900) * 10)
    const ids: string[] = []
    for (let i = 0; i < totals.length; i += 50) {
      ids.push(...(await Promise.all(totals.slice(i, i + 50).map(placeOrder))))
    }
    await Promise.all([relay.publishPending(), relay.publishPending(), relay.publishPending()])
    while ((await relay.publishPending()) > 0);
    const expected = before.points + totals.reduce((s, t) => s + pointsFor(t), 0)
    const after = await eventually(
      'all points',
      pointsOfCustomer,
      (p) => p.orders === before.orders + 300,
    )
    assert.equal(after.points, expected)
    assert.equal(outcomesOf(ids).filter((o) => o !== 'event.processed').length, 0)
    assert.deepEqual(await readDlq(), [])
  })

  it('a poison order among good ones: its batch rolls back and replays, the poison fails alone until dead-lettered', async () => {
    await consumer?.stop()
    await purgeDlq()
    const before = await pointsOfCustomer()
    const good = await Promise.all([1100, 1200, 1300, 1400].map(placeOrder))
    const poison = await placeOrder(9900)
    // A database-only effect that always fails for one event: in the batch statement path it
    // aborts the whole batch, which is then replayed event by event with savepoints.
    consumer = await consumeEvents({
      channel: consumerChannel,
      queue: QUEUE,
      open,
      pool: customersPool,
      audit,
      handle: databaseOnlyEffect(async (event, db) => {
        await earnLoyaltyPoints(event, db)
        if (event.id === poison) await db.query('SELECT 1 / 0')
      }),
    })
    while ((await relay.publishPending()) > 0);
    await eventually(
      'good orders',
      async () => outcomesOf(good),
      (o) => o.length === 4,
    )
    assert.deepEqual(outcomesOf(good), Array(4).fill('event.processed'))
    const dead = await eventually('poison dead-lettered', readDeadIds, (d) => d.includes(poison))
    assert.deepEqual(dead, [poison])
    assert.ok(outcomesOf([poison]).length >= 1)
    assert.ok(outcomesOf([poison]).every((o) => o === 'event.processing_failed'))
    assert.equal((await pointsOfCustomer()).points, before.points + 11 + 12 + 13 + 14)
  })
})

/** Message ids in customers-api's DLQ (left there). */
const readDeadIds = async () => (await readDlq()).map((line) => line.split(' ')[0])

async function purgeDlq(): Promise<void> {
  await consumerChannel.purgeQueue(DLQ)
}

/** `<message id> <rejection reason header>` of each message in customers-api's DLQ (left there). */
async function readDlq(): Promise<string[]> {
  const channel = await customersConn.createChannel()
  const ids: string[] = []
  for (;;) {
    const msg = await channel.get(DLQ, { noAck: false })
    if (msg === false) break
    const reason: unknown = msg.properties.headers?.[REJECTION_HEADERS.reason]
    ids.push(`${String(msg.properties.messageId)} ${String(reason)}`)
  }
  await channel.close() // unacknowledged: back into the DLQ
  return ids
}
