/**
 * The settlement pass on its own, the vault and the database stubbed: what it claims, that no
 * transaction is open while the vault is called, what it records (never the card number), what
 * it audits, that a vault failure leaves the payment pending with a growing back-off, and that a
 * claim this worker no longer holds is not charged.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { beforeEach, describe, it } from 'node:test'
import type pg from 'pg'
import { createAuditLogger } from '@mythical/audit'
import type { Card } from '@mythical/cardvault-client'
import { ServiceUnavailable } from '@mythical/problem'
import { captureAudit } from '@mythical/testing'
import { DECLINING_TEST_CARD, simulatedAcquirer } from '../../src/acquirer.ts'
import { retryDelayMs, settleDuePayments } from '../../src/settle-payments.ts'

const VAULT_ID = 'spiffe://cardvault.mythical.example/tokenization-api'
const TRACE_ID = 'a'.repeat(32)
const TOKEN = '4000000000001112'
const SETTLED_AT = new Date('2026-11-30T12:00:00Z')

interface QueuedRow {
  order_id: string
  customer_id: string
  event_id: string
  traceparent: string
  attempts: number
  claim_token: string
}

/**
 * A pool over an in-memory queue and payments table that records every statement and whether a
 * transaction (BEGIN … COMMIT/ROLLBACK on a checked-out client) is open. `held`: whether the
 * queue rows still carry the claims' tokens (false: another worker took them over).
 */
function fakePool(queued: QueuedRow[], paymentStatus = 'pending', held = true) {
  const statements: { text: string; values: unknown[] }[] = []
  const state = { openTransactions: 0, status: paymentStatus }
  const answer = (text: string, values: unknown[] = []) => {
    statements.push({ text, values })
    if (text === 'BEGIN') state.openTransactions += 1
    if (text === 'COMMIT' || text === 'ROLLBACK') state.openTransactions -= 1
    if (text.includes('UPDATE settlement_queue q')) {
      const claimed = queued.splice(0, Number(values[0]))
      return { rows: claimed.map((r) => ({ ...r, attempts: r.attempts + 1 })), rowCount: 1 }
    }
    if (text.includes('AND claim_token = $2')) return { rows: [], rowCount: held ? 1 : 0 }
    if (text.startsWith('SELECT card_token')) {
      return {
        rows: [{ card_token: TOKEN, amount_cents: 4999, currency: 'EUR', status: state.status }],
      }
    }
    if (text.startsWith('UPDATE payments')) {
      const decided = state.status === 'pending'
      state.status = String(values[1])
      return { rows: [], rowCount: decided ? 1 : 0 }
    }
    return { rows: [], rowCount: 1 }
  }
  const pool = {
    query: async (text: string, values?: unknown[]) => answer(text, values),
    connect: async () => ({
      query: async (t: string, v?: unknown[]) => answer(t, v),
      release() {},
    }),
  }
  return { pool: pool as unknown as pg.Pool, statements, state }
}

const queuedRow = (attempts = 0): QueuedRow => ({
  order_id: randomUUID(),
  customer_id: 'katie-sub',
  event_id: randomUUID(),
  traceparent: `00-${TRACE_ID}-${'b'.repeat(16)}-01`,
  attempts,
  claim_token: randomUUID(),
})

describe('a settlement pass', () => {
  let cardOfToken: Card | Error
  let detokenized: { token: string; traceparent: string; openTransactions: number }[]
  let capture: ReturnType<typeof captureAudit>

  beforeEach(() => {
    cardOfToken = { number: '4111111111111111', expMonth: 12, expYear: 2030 }
    detokenized = []
    capture = captureAudit()
  })

  const settle = (pool: pg.Pool, state: { openTransactions: number }) =>
    settleDuePayments({
      pool,
      vault: {
        detokenize: async (token, traceparent = '') => {
          detokenized.push({ token, traceparent, openTransactions: state.openTransactions })
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
    })

  const audited = async () => {
    await new Promise((resolve) => setImmediate(resolve))
    return capture.records.map((r) => [r.reason, r.decision, r.boundary, r.traceId, r.tokenId])
  }

  it('settles a claimed payment with no transaction open during the vault call, and audits it', async () => {
    const row = queuedRow()
    const { pool, statements, state } = fakePool([row])
    assert.deepEqual(await settle(pool, state), {
      claimed: 1,
      settled: 1,
      declined: 0,
      deferred: 0,
      lost: 0,
    })
    assert.equal(detokenized.length, 1)
    assert.equal(detokenized[0]?.token, TOKEN)
    assert.equal(detokenized[0]?.openTransactions, 0)
    // The vault call is a child span of the order's delivery.
    assert.match(detokenized[0]?.traceparent ?? '', new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`))
    assert.notEqual(detokenized[0]?.traceparent, row.traceparent)
    const update = statements.find((s) => s.text.startsWith('UPDATE payments'))
    assert.deepEqual(update?.values, [row.order_id, 'settled', SETTLED_AT, null])
    assert.ok(statements.some((s) => s.text.startsWith('DELETE FROM settlement_queue')))
    assert.equal(state.openTransactions, 0)
    assert.doesNotMatch(JSON.stringify(statements), /4111111111111111/)
    assert.deepEqual(await audited(), [
      ['payment.settled', 'allow', 'TB07', TRACE_ID, row.event_id],
    ])
    assert.doesNotMatch(JSON.stringify(capture.records), /4111111111111111/)
  })

  it('records a decline with its reason (the documented declining test card)', async () => {
    cardOfToken = { number: DECLINING_TEST_CARD, expMonth: 12, expYear: 2030 }
    const row = queuedRow()
    const { pool, statements, state } = fakePool([row])
    assert.equal((await settle(pool, state)).declined, 1)
    const update = statements.find((s) => s.text.startsWith('UPDATE payments'))
    assert.deepEqual(update?.values, [row.order_id, 'declined', null, 'insufficient_funds'])
    assert.deepEqual(await audited(), [
      ['payment.declined', 'deny', 'TB07', TRACE_ID, row.event_id],
    ])
  })

  it('a vault that is down leaves every claimed payment pending, deferred with back-off', async () => {
    cardOfToken = new ServiceUnavailable('the card vault is unavailable')
    const rows = [queuedRow(0), queuedRow(3)]
    const ids = rows.map((r) => r.order_id)
    const tokens = rows.map((r) => r.claim_token)
    const { pool, statements, state } = fakePool(rows)
    assert.deepEqual(await settle(pool, state), {
      claimed: 2,
      settled: 0,
      declined: 0,
      deferred: 2,
      lost: 0,
    })
    // The second payment is not tried against a vault that just failed.
    assert.equal(detokenized.length, 1)
    assert.equal(
      statements.filter((s) => s.text.startsWith('UPDATE payments')).length,
      0,
      'nothing settled',
    )
    // The first claim's lease renewed before its vault call, then both deferred by their back-off.
    const held = statements
      .filter((s) => s.text.includes('AND claim_token = $2'))
      .map((s) => s.values)
    assert.deepEqual(held, [
      [ids[0], tokens[0], 60_000],
      [ids[0], tokens[0], 1_000],
      [ids[1], tokens[1], 8_000],
    ])
    assert.equal(state.openTransactions, 0)
    assert.deepEqual(await audited(), [])
  })

  it('a claim another worker took over is neither detokenized nor charged, and nothing is written', async () => {
    const { pool, statements, state } = fakePool([queuedRow()], 'pending', false)
    assert.deepEqual(await settle(pool, state), {
      claimed: 1,
      settled: 0,
      declined: 0,
      deferred: 0,
      lost: 1,
    })
    assert.deepEqual(detokenized, [])
    // The claim and the renewal that found another token: no read, no outcome, no drop.
    assert.equal(statements.length, 2)
    assert.match(statements[1]?.text ?? '', /WHERE order_id = \$1 AND claim_token = \$2/)
    assert.deepEqual(await audited(), [])
  })

  it('a payment already decided is dropped from the queue without calling the vault', async () => {
    const { pool, statements, state } = fakePool([queuedRow()], 'settled')
    assert.deepEqual(await settle(pool, state), {
      claimed: 1,
      settled: 0,
      declined: 0,
      deferred: 0,
      lost: 0,
    })
    assert.deepEqual(detokenized, [])
    assert.ok(statements.some((s) => s.text.startsWith('DELETE FROM settlement_queue')))
  })

  it('nothing due: one claim statement, nothing else', async () => {
    const { pool, statements, state } = fakePool([])
    assert.equal((await settle(pool, state)).claimed, 0)
    assert.equal(statements.length, 1)
  })

  it('the back-off doubles per attempt from 1 s and stops growing at 30 s', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 20].map((n) => retryDelayMs(n)),
      [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000],
    )
  })
})
