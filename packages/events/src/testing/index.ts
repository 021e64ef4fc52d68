/**
 * Test helpers of `@mythical/events` (import `@mythical/events/testing`): orders written to
 * order-fulfillment-api's outbox the way the service writes them, polling for an effect, and the
 * integration suites' own vhost and databases (`consumer-test-targets.ts`).
 *
 * @module
 */
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import type pg from 'pg'
import { withCustomerScope } from '@mythical/db'
import { ORDER_PLACED } from '../order-placed.ts'
import type { OrderPlaced } from '../order-placed.ts'

export {
  CONSUMER_TEST_SERVICES,
  CONSUMER_TEST_VHOST,
  connectTestBroker,
  consumerTestDatabase,
  drainOtherSubscribers,
  testDatabasePool,
} from './consumer-test-targets.ts'

const CARD_TOKEN = 'tok_visa_9f8e7d'

/**
 * Writes a placed order and its `order.placed` outbox row in one transaction, as
 * order-fulfillment-api does, on its own database pool; returns the order's outbox event id. The
 * outbox's PAN guard can match the dash-separated digits of a random UUID: those are drawn again.
 */
export async function placeTestOrder(
  pool: pg.Pool,
  customer: string,
  items: OrderPlaced['items'],
): Promise<{ orderId: string; eventId: string }> {
  for (;;) {
    const orderId = randomUUID()
    const totalCents = items.reduce((sum, item) => sum + item.quantity * item.priceCents, 0)
    const payload: OrderPlaced = {
      version: 1,
      orderId,
      customer,
      items,
      totalCents,
      currency: 'EUR',
      card: { token: CARD_TOKEN, brand: 'visa', last4: '1111' },
      traceId: randomBytes(16).toString('hex'),
      placedAt: new Date().toISOString(),
    }
    try {
      return await withCustomerScope(pool, customer, async (db) => {
        await db.query(
          `INSERT INTO placed_orders (order_id, customer_id, card_token, total_cents, request_fingerprint)
           VALUES ($1, $2, $3, $4, $5)`,
          [orderId, customer, CARD_TOKEN, totalCents, randomBytes(32).toString('base64url')],
        )
        const { rows } = await db.query<{ event_id: string }>(
          'INSERT INTO outbox (event_type, aggregate_id, payload) VALUES ($1, $2, $3) RETURNING event_id',
          [ORDER_PLACED, orderId, payload],
        )
        return { orderId, eventId: (rows[0] as { event_id: string }).event_id }
      })
    } catch (error) {
      if ((error as { constraint?: string }).constraint !== 'payload_has_no_pan') throw error
    }
  }
}

/** Polls `probe` every 100 ms until `done` holds; fails the test after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (done(value)) return value
    if (Date.now() > deadline)
      assert.fail(`timed out waiting for ${what}: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
