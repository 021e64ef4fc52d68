/**
 * The inbox effect of `order.placed` on its own, the database stubbed: it records the payment as
 * pending and queues it in the inbox transaction, in the customer's scope, with the token only —
 * and never calls the vault (there is none to call here).
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { beforeEach, describe, it } from 'node:test'
import type pg from 'pg'
import { createAuditLogger } from '@mythical/audit'
import type { VerifiedEvent } from '@mythical/events'
import { captureAudit } from '@mythical/testing'
import { recordPendingPayments } from '../../src/record-pending-payment.ts'

const VAULT_ID = 'spiffe://cardvault.mythical.example/tokenization-api'
const TRACE_ID = 'a'.repeat(32)
const TRACEPARENT = `00-${TRACE_ID}-${'b'.repeat(16)}-01`
const TOKEN = '4000000000001112'

const orderEvent = (
  data: Record<string, unknown> = {},
  traceparent = TRACEPARENT,
): VerifiedEvent => ({
  id: randomUUID(),
  type: 'order.placed',
  issuer: 'spiffe://retail.mythical.example/order-fulfillment-api',
  audience: 'retail',
  issuedAt: 0,
  traceparent,
  data: {
    version: 1,
    orderId: randomUUID(),
    customer: 'katie-sub',
    items: [{ sku: 'SHOE-1', quantity: 1, priceCents: 4999 }],
    totalCents: 4999,
    currency: 'EUR',
    card: { token: TOKEN, brand: 'visa', last4: '1111' },
    traceId: TRACE_ID,
    placedAt: '2026-11-30T12:00:00Z',
    ...data,
  },
})

/** A database client that records every statement; the payment insert finds a conflict or not. */
function recordingDb(existingPayment = false) {
  const queries: { text: string; values: unknown[] }[] = []
  const db = {
    query: async (text: string, values: unknown[] = []) => {
      queries.push({ text, values })
      const insert = text.includes('INSERT INTO payments')
      return { rowCount: insert && existingPayment ? 0 : 1, rows: [] }
    },
  }
  return { db: db as unknown as pg.PoolClient, queries }
}

describe('recording a pending payment for order.placed', () => {
  let capture: ReturnType<typeof captureAudit>
  let record: ReturnType<typeof recordPendingPayments>

  beforeEach(() => {
    capture = captureAudit()
    record = recordPendingPayments({
      audit: createAuditLogger({
        service: 'payments-api',
        level: 'fatal',
        destination: capture.destination,
      }),
      vaultId: VAULT_ID,
    })
  })

  const statements = (queries: { text: string; values: unknown[] }[], table: string) =>
    queries.filter((q) => q.text.includes(`INSERT INTO ${table}`))

  it('writes a pending payment (token, brand, last four) and its queue row in the customer scope', async () => {
    const event = orderEvent()
    const { db, queries } = recordingDb()
    await record(event, db)
    assert.deepEqual(queries[0]?.values, ['app.customer_id', 'katie-sub'])
    const [payment] = statements(queries, 'payments')
    assert.match(payment?.text ?? '', /'pending'/)
    assert.deepEqual(payment?.values, [
      event.data.orderId,
      'katie-sub',
      TOKEN,
      'visa',
      '1111',
      4999,
      'EUR',
      TRACE_ID,
    ])
    const [queued] = statements(queries, 'settlement_queue')
    assert.deepEqual(queued?.values, [event.data.orderId, 'katie-sub', event.id, TRACEPARENT])
    assert.equal(queries.length, 3)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(capture.records, [])
  })

  it('an event without a valid traceparent queues a span of the order’s own trace', async () => {
    const { db, queries } = recordingDb()
    await record(orderEvent({}, 'not-a-traceparent'), db)
    const traceparent = String(statements(queries, 'settlement_queue')[0]?.values[3])
    assert.match(traceparent, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`))
  })

  it('an order that already has a payment is neither recorded nor queued again', async () => {
    const { db, queries } = recordingDb(true)
    const event = orderEvent()
    await record(event, db)
    assert.deepEqual(statements(queries, 'settlement_queue'), [])
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(
      capture.records.map((r) => [r.reason, r.decision, r.boundary, r.traceId, r.tokenId]),
      [['payment.already_recorded', 'allow', 'TB07', TRACE_ID, event.id]],
    )
  })

  it('an order it cannot read is refused before anything is written', async () => {
    for (const bad of [
      { totalCents: 0 },
      { totalCents: '4999' },
      { orderId: 'not-a-uuid' },
      { card: { token: TOKEN, brand: 'visa', last4: '41111111' } },
      { currency: undefined },
      { version: 2 },
    ]) {
      const { db, queries } = recordingDb()
      await assert.rejects(record(orderEvent(bad), db), { code: 'ZT_ERR_ORDER_NOT_SETTLEABLE' })
      assert.deepEqual(queries, [])
    }
  })
})
