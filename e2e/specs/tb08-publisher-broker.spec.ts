/**
 * TB08 — publisher → broker, against the running stack. The legitimate path: Katie's order
 * through the gateway is published by order-fulfillment-api's relay (its certificate is its only
 * broker credential, SASL EXTERNAL) and consumed (`event.processed`). The refusals are the
 * broker's own: another service's certificate logs in as that other service and may not publish
 * to `orders`; the publisher may write nothing but `order.placed` to `orders`. RabbitMQ closes the
 * channel with 403 ACCESS_REFUSED naming the user from the certificate; these refusals happen
 * inside the broker, before any application sees a message, so there is no application audit
 * record of them — the broker's log is the record (asserted: no subscriber audited the message).
 */
import { randomUUID } from 'node:crypto'
import { allAuditRecords } from '../support/audit-log.ts'
import {
  brokerRefusal,
  connectAs,
  ORDERS_EXCHANGE,
  PUBLISHER,
  publishConfirmed,
  queueOf,
  userOf,
} from '../support/broker-attacks.ts'
import { expect, test } from '../support/fixtures.ts'
import { consumedEvent, placeOrder } from '../support/order-events.ts'

const SUBSCRIBER = 'customers-api'
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
const accessRefused = (kind: 'exchange' | 'topic', name: string, user: string) =>
  new RegExp(`ACCESS_REFUSED - access to ${kind} '${escape(name)}'.*'${escape(user)}'`)

test.describe('TB08 publisher → broker', () => {
  test('Katie’s order is published by order-fulfillment-api and consumed (event.processed)', async ({
    edge,
    katie,
  }) => {
    const order = await placeOrder(edge, katie)
    const decision = await consumedEvent(SUBSCRIBER, order.traceId)
    expect([decision.decision, decision.reason, decision.caller]).toEqual([
      'allow',
      'event.processed',
      userOf(PUBLISHER),
    ])
  })

  test('another service’s certificate is that service: customers-api cannot publish order.placed (403)', async () => {
    const conn = await connectAs(SUBSCRIBER)
    const messageId = randomUUID()
    try {
      const error = await brokerRefusal(conn, (channel) =>
        publishConfirmed(channel, Buffer.from('{"forged":true}'), messageId),
      )
      expect(error.code).toBe(403)
      expect(error.message).toMatch(accessRefused('exchange', ORDERS_EXCHANGE, userOf(SUBSCRIBER)))
    } finally {
      await conn.close()
    }
    // Refused by the broker: the message never reached a queue, so no subscriber saw it.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(allAuditRecords(SUBSCRIBER).filter((r) => r.tokenId === messageId)).toEqual([])
  })

  test('the publisher cannot publish to a foreign exchange (403)', async () => {
    const conn = await connectAs(PUBLISHER)
    try {
      for (const exchange of [`${queueOf(SUBSCRIBER)}.dlx`, 'dead-letter', 'amq.topic', '']) {
        const error = await brokerRefusal(conn, (channel) =>
          publishConfirmed(channel, Buffer.from('{}'), randomUUID(), {
            exchange,
            routingKey: queueOf(SUBSCRIBER),
          }),
        )
        expect(error.code, exchange).toBe(403)
        const name = exchange === '' ? 'amq.default' : exchange
        expect(error.message).toMatch(accessRefused('exchange', name, userOf(PUBLISHER)))
      }
    } finally {
      await conn.close()
    }
  })

  test('the publisher cannot publish another event type to orders (topic permission, 403)', async () => {
    const conn = await connectAs(PUBLISHER)
    try {
      const error = await brokerRefusal(conn, (channel) =>
        publishConfirmed(channel, Buffer.from('{}'), randomUUID(), {
          exchange: ORDERS_EXCHANGE,
          routingKey: 'order.refunded',
        }),
      )
      expect(error.code).toBe(403)
      expect(error.message).toMatch(accessRefused('topic', 'order.refunded', userOf(PUBLISHER)))
    } finally {
      await conn.close()
    }
  })
})
