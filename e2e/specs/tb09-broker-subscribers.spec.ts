/**
 * TB09 — broker → subscribers, against the running stack. The legitimate path: Katie's order is
 * verified, decrypted and processed by each retail subscriber from its own queue. The attacks use
 * a stolen publisher identity (order-fulfillment-api's certificate to publish, and for some its
 * signing key), as an insider with that folder could: a tampered, a forged (attacker's key under
 * the publisher's `kid`), an unencrypted (plain JSON), a stale (signed two days ago) and a replayed message
 * (copied under a fresh message id). customers-api refuses each: an audit record with the reason
 * code, and the message in its own dead-letter queue with the same reason in `x-rejection-reason`
 * — never processed. A replay under the same id is the inbox's case: acknowledged without a second
 * effect (`event.duplicate`), which is also what a broker redelivery looks like. Reading another
 * subscriber's queue is refused by the broker (403, its own log, no application record).
 */
import { randomUUID } from 'node:crypto'
import {
  brokerRefusal,
  connectAs,
  encryptTo,
  PUBLISHER,
  publishConfirmed,
  queueOf,
  signEvent,
  takeDeadLetters,
  tampered,
  userOf,
  type DeadLetter,
} from '../support/broker-attacks.ts'
import { expect, test } from '../support/fixtures.ts'
import { consumedEvent, decisionsOnMessage, placeOrder } from '../support/order-events.ts'

const SUBSCRIBER = 'customers-api'
const OTHER_SUBSCRIBERS = ['payments-api', 'recommendations-api', 'shipping-api']
const TWO_DAYS = 2 * 24 * 60 * 60

/** A retail `order.placed` body for an order nobody placed (the attacker's wish: free points). */
const forgedOrder = () => ({
  version: 1,
  orderId: randomUUID(),
  customer: 'katie',
  items: [{ sku: 'sku-trail-shoe', quantity: 100, priceCents: 99_999 }],
  totalCents: 9_999_900,
  currency: 'EUR',
  card: { token: 'tok_forged', brand: 'visa', last4: '0000' },
  traceId: randomUUID().replaceAll('-', ''),
  placedAt: new Date().toISOString(),
})

/** Publishes with the stolen publisher certificate, as the relay would. */
async function publishAsPublisher(body: Buffer, messageId: string): Promise<void> {
  const conn = await connectAs(PUBLISHER)
  try {
    await publishConfirmed(await conn.createConfirmChannel(), body, messageId)
  } finally {
    await conn.close()
  }
}

/** The dead letter of `messageId` in the subscriber's own DLQ, waiting until it is there. */
async function deadLetterOf(messageId: string): Promise<DeadLetter> {
  const taken: DeadLetter[] = []
  await expect
    .poll(
      async () => (taken.push(...(await takeDeadLetters(SUBSCRIBER, [messageId]))), taken.length),
      {
        timeout: 10_000,
      },
    )
    .toBe(1)
  return taken[0] as DeadLetter
}

const attackIds: string[] = []

test.afterAll(async () => {
  // Every subscriber's queue got a copy of each attack: take them out of the other DLQs too.
  for (const service of OTHER_SUBSCRIBERS) await takeDeadLetters(service, attackIds)
})

test.describe('TB09 broker → subscribers', () => {
  test('Katie’s order is verified, decrypted and processed by each retail subscriber', async ({
    edge,
    katie,
  }) => {
    const order = await placeOrder(edge, katie)
    for (const service of [SUBSCRIBER, 'payments-api', 'recommendations-api']) {
      const decision = await consumedEvent(service, order.traceId)
      expect([service, decision.decision, decision.reason, decision.caller]).toEqual([
        service,
        'allow',
        'event.processed',
        userOf(PUBLISHER),
      ])
    }
  })

  const attacks: {
    name: string
    reason: string
    body: (jti: string) => Promise<Buffer>
    /** The message id it is published under (default: the signed jti). */
    messageId?: (jti: string) => string
  }[] = [
    {
      name: 'tampered (one ciphertext byte flipped)',
      reason: 'event.undecryptable',
      body: async (jti) =>
        tampered(
          await encryptTo(
            SUBSCRIBER,
            await signEvent({ jti, data: forgedOrder(), signer: 'publisher' }),
          ),
        ),
    },
    {
      name: 'forged (signed with a key not in the publisher’s JWKS)',
      reason: 'event.bad_signature',
      body: async (jti) =>
        encryptTo(SUBSCRIBER, await signEvent({ jti, data: forgedOrder(), signer: 'attacker' })),
    },
    {
      name: 'unencrypted (the order as plain JSON, readable by anyone on the path)',
      reason: 'event.unencrypted',
      body: async () => Buffer.from(JSON.stringify(forgedOrder())),
    },
    {
      name: 'stale (signed two days ago with the publisher’s own key)',
      reason: 'event.stale',
      body: async (jti) =>
        encryptTo(
          SUBSCRIBER,
          await signEvent({
            jti,
            data: forgedOrder(),
            signer: 'publisher',
            issuedAt: Math.floor(Date.now() / 1000) - TWO_DAYS,
          }),
        ),
    },
    {
      name: 'replayed under a fresh message id',
      reason: 'event.message_id_mismatch',
      body: async (jti) =>
        encryptTo(SUBSCRIBER, await signEvent({ jti, data: forgedOrder(), signer: 'publisher' })),
      messageId: () => randomUUID(),
    },
  ]

  for (const attack of attacks) {
    test(`${attack.name} → dead-lettered with ${attack.reason}, audited, never processed`, async () => {
      const jti = randomUUID()
      const messageId = attack.messageId?.(jti) ?? jti
      attackIds.push(messageId)
      await publishAsPublisher(await attack.body(jti), messageId)

      const [record, ...more] = await decisionsOnMessage(SUBSCRIBER, messageId)
      expect(more).toEqual([])
      expect([record?.decision, record?.reason, record?.boundary]).toEqual([
        'deny',
        attack.reason,
        'TB09',
      ])
      const dead = await deadLetterOf(messageId)
      expect(dead.reason).toBe(attack.reason)
      expect(dead.headers['x-rejected-by-queue']).toBe(queueOf(SUBSCRIBER))
      expect(dead.headers['x-rejection-trace-id']).toBe(record?.traceId)
    })
  }

  test('Katie’s event replayed under its own id has no second effect (inbox: event.duplicate)', async ({
    edge,
    katie,
  }) => {
    const order = await placeOrder(edge, katie)
    const eventId = String((await consumedEvent(SUBSCRIBER, order.traceId)).tokenId)
    attackIds.push(eventId)
    // A validly signed and encrypted copy under the processed event's id (jti and message id).
    const replay = await encryptTo(
      SUBSCRIBER,
      await signEvent({ jti: eventId, data: forgedOrder(), signer: 'publisher' }),
    )
    await publishAsPublisher(replay, eventId)
    const decisions = await decisionsOnMessage(SUBSCRIBER, eventId, 2)
    expect(decisions.map((r) => `${r.decision} ${r.reason}`)).toEqual([
      'allow event.processed',
      'allow event.duplicate',
    ])
  })

  test('a subscriber cannot read another subscriber’s queue or dead letters (403)', async () => {
    const conn = await connectAs(SUBSCRIBER)
    try {
      for (const queue of [queueOf('payments-api'), `${queueOf('payments-api')}.dlq`]) {
        const error = await brokerRefusal(conn, (channel) => channel.get(queue))
        expect(error.code, queue).toBe(403)
        expect(error.message).toContain(
          `access to queue '${queue}' in vhost 'mythical' refused for user '${userOf(SUBSCRIBER)}'`,
        )
      }
    } finally {
      await conn.close()
    }
  })
})
