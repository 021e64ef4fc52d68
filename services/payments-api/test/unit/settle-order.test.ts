/**
 * The settlement step on its own, with the vault and the database stubbed: which statements it
 * runs in the inbox transaction, what it records (never the card number), what it audits, and
 * that a vault failure or an unreadable order writes nothing.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { beforeEach, describe, it } from 'node:test'
import type pg from 'pg'
import { createAuditLogger } from '@mythical/audit'
import type { Card } from '@mythical/cardvault-client'
import { ServiceUnavailable } from '@mythical/problem'
import type { VerifiedEvent } from '@mythical/events'
import { captureAudit } from '@mythical/testing'
import { DECLINING_TEST_CARD, simulatedAcquirer } from '../../src/acquirer.ts'
import { settleOrders } from '../../src/settle-order.ts'

const VAULT_ID = 'spiffe://cardvault.mythical.example/tokenization-api'
const TRACE_ID = 'a'.repeat(32)
const TOKEN = '4000000000001112'
const SETTLED_AT = new Date('2026-11-30T12:00:00Z')

const orderEvent = (data: Record<string, unknown> = {}): VerifiedEvent => ({
  id: randomUUID(),
  type: 'order.placed',
  issuer: 'spiffe://retail.mythical.example/order-fulfillment-api',
  audience: 'retail',
  issuedAt: 0,
  traceparent: `00-${TRACE_ID}-${'b'.repeat(16)}-01`,
  data: {
    version: 1,
    orderId: randomUUID(),
    customer: 'katie-sub',
    items: [{ sku: 'SHOE-1', quantity: 1, priceCents: 4999 }],
    totalCents: 4999,
    currency: 'EUR',
    card: { token: TOKEN, brand: 'visa', last4: '1111' },
    traceId: TRACE_ID,
    placedAt: SETTLED_AT.toISOString(),
    ...data,
  },
})

/** A database client that records every statement and answers the payment look-up. */
function recordingDb(existingPayment = false) {
  const queries: { text: string; values: unknown[] }[] = []
  const db = {
    query: async (text: string, values: unknown[] = []) => {
      queries.push({ text, values })
      const lookup = text.startsWith('SELECT 1 FROM payments')
      return { rowCount: lookup && existingPayment ? 1 : 0, rows: [] }
    },
  }
  return { db: db as unknown as pg.PoolClient, queries }
}

describe('settling an order.placed', () => {
  let cardOfToken: Card | Error
  let detokenized: string[]
  let capture: ReturnType<typeof captureAudit>
  let settle: ReturnType<typeof settleOrders>

  beforeEach(() => {
    cardOfToken = { number: '4111111111111111', expMonth: 12, expYear: 2030 }
    detokenized = []
    capture = captureAudit()
    settle = settleOrders({
      vault: {
        detokenize: async (token) => {
          detokenized.push(token)
          if (cardOfToken instanceof Error) throw cardOfToken
          return cardOfToken
        },
      },
      acquirer: simulatedAcquirer(() => SETTLED_AT),
      audit: createAuditLogger({
        service: 'payments-api',
        level: 'fatal',
        destination: capture.destination,
      }),
      vaultId: VAULT_ID,
      retryPauseMs: 0,
    })
  })

  const inserted = (queries: { text: string; values: unknown[] }[]) =>
    queries.filter((q) => q.text.includes('INSERT INTO payments'))

  it('detokenizes, settles and records the payment in the customer scope, without the card number', async () => {
    const event = orderEvent()
    const { db, queries } = recordingDb()
    await settle(event, db)
    assert.deepEqual(detokenized, [TOKEN])
    assert.deepEqual(queries[0]?.values, ['app.customer_id', 'katie-sub'])
    const [insert] = inserted(queries)
    assert.deepEqual(insert?.values, [
      event.data.orderId,
      'katie-sub',
      TOKEN,
      'visa',
      '1111',
      4999,
      'EUR',
      'settled',
      SETTLED_AT,
      null,
      TRACE_ID,
    ])
    assert.doesNotMatch(JSON.stringify(queries), /4111111111111111/)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(
      capture.records.map((r) => [r.reason, r.decision, r.boundary, r.traceId, r.tokenId]),
      [['payment.settled', 'allow', 'TB07', TRACE_ID, event.id]],
    )
    assert.doesNotMatch(JSON.stringify(capture.records), /4111111111111111/)
  })

  it('records a decline with its reason (the documented declining test card)', async () => {
    cardOfToken = { number: DECLINING_TEST_CARD, expMonth: 12, expYear: 2030 }
    const { db, queries } = recordingDb()
    await settle(orderEvent(), db)
    const values = inserted(queries)[0]?.values ?? []
    assert.deepEqual(values.slice(7, 10), ['declined', null, 'insufficient_funds'])
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(
      capture.records.map((r) => [r.reason, r.decision]),
      [['payment.declined', 'deny']],
    )
  })

  it('does not detokenize or charge again for an order already recorded', async () => {
    const { db, queries } = recordingDb(true)
    await settle(orderEvent(), db)
    assert.deepEqual(detokenized, [])
    assert.deepEqual(inserted(queries), [])
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(
      capture.records.map((r) => r.reason),
      ['payment.already_recorded'],
    )
  })

  it('a vault that is down fails the settlement and writes nothing (the message is requeued)', async () => {
    cardOfToken = new ServiceUnavailable('the card vault is unavailable')
    const { db, queries } = recordingDb()
    await assert.rejects(settle(orderEvent(), db), { status: 503 })
    assert.deepEqual(inserted(queries), [])
  })

  it('an order it cannot read is refused before the vault is called', async () => {
    for (const bad of [
      { totalCents: 0 },
      { totalCents: '4999' },
      { orderId: 'not-a-uuid' },
      { card: { token: TOKEN, brand: 'visa', last4: '41111111' } },
      { currency: undefined },
      { version: 2 },
    ]) {
      const { db, queries } = recordingDb()
      await assert.rejects(settle(orderEvent(bad), db), { code: 'ZT_ERR_ORDER_NOT_SETTLEABLE' })
      assert.deepEqual(queries, [])
    }
    assert.deepEqual(detokenized, [])
  })
})
