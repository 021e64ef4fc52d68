/**
 * Settlement through the running stack: Katie places an order through the gateway; order-fulfillment
 * -api's relay publishes `order.placed`; payments-api consumes it from its own queue, records
 * the payment as pending, and its settlement loop detokenizes the card at the vault over its
 * cardvault certificate and settles it with the simulated acquirer.
 * The payment is then in the payments database (read as payments-api itself, in Katie's RLS
 * scope): settled, for the order's amount, with the vault's token, brand and last four — never the
 * card number — and the order's trace id. payments-api's audit for that trace names its decisions
 * (`event.processed` at TB09, `payment.settled` at TB07), the vault's names the detokenization it
 * accepted for payments-api. The documented declining test card is recorded as declined; a retail
 * certificate is refused at the vault's handshake.
 */
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { isLuhnValid } from '@mythical/audit'
import { CUSTOMER_SETTING } from '@mythical/db'
import { stackPaths } from '@mythical/stack'
import { allAuditRecords, type LoggedDecision } from '../support/audit-log.ts'
import { loginOf } from '../support/database-login.ts'
import type { EdgeClient } from '../support/edge-client.ts'
import { expect, test } from '../support/fixtures.ts'
import { callWithDpop } from '../support/gateway-call.ts'
import { urlOf } from '../support/internal-call.ts'
import type { ShopperSession } from '../support/shopper.ts'
import { tryHandshake } from '../support/tls-handshake.ts'
import { cardvaultCa, VAULT } from '../support/vault-client.ts'

const TEST_CARD = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030, cvc: '123' }
/** The simulated acquirer's documented declining test card (Luhn-valid, so the vault takes it). */
const DECLINING_CARD = { ...TEST_CARD, number: '4000 0000 0000 0002' }
const PAYMENTS_CARDVAULT_ID = 'spiffe://cardvault.mythical.example/payments-api'
/** The relay polls every 2 s; the settlement loop polls every second, then one vault call. */
const SETTLEMENT_TIMEOUT_MS = 30_000

interface PlacedOrder {
  readonly id: string
  readonly totalCents: number
  readonly currency: string
  readonly traceId: string
}

interface PaymentRow {
  readonly customer_id: string
  readonly card_token: string
  readonly card_brand: string
  readonly card_last4: string
  readonly amount_cents: number
  readonly currency: string
  readonly status: string
  readonly settled_at: Date | null
  readonly decline_reason: string | null
  readonly trace_id: string
}

async function placeOrder(
  edge: EdgeClient,
  katie: ShopperSession,
  card: typeof TEST_CARD,
): Promise<PlacedOrder> {
  const placed = await callWithDpop(edge, {
    method: 'POST',
    path: '/shopping/me/orders',
    session: katie,
    headers: { 'content-type': 'application/json', 'idempotency-key': `pay-${randomUUID()}` },
    body: JSON.stringify({ items: [{ sku: 'sku-trail-shoe', quantity: 1 }], card }),
  })
  expect(placed.status, placed.text).toBe(201)
  return JSON.parse(placed.text) as PlacedOrder
}

async function subjectOf(edge: EdgeClient, katie: ShopperSession): Promise<string> {
  const me = await callWithDpop(edge, { method: 'GET', path: '/shopping/me', session: katie })
  expect(me.status, me.text).toBe(200)
  return (JSON.parse(me.text) as { sub: string }).sub
}

/** The order's payment as payments-api reads it (its own login, the customer's RLS scope). */
async function paymentOf(orderId: string, customer: string): Promise<PaymentRow[]> {
  const db = loginOf('payments-api')
  await db.connect()
  try {
    await db.query('BEGIN')
    await db.query('SELECT set_config($1, $2, true)', [CUSTOMER_SETTING, customer])
    const { rows } = await db.query<PaymentRow>('SELECT * FROM payments WHERE order_id = $1', [
      orderId,
    ])
    await db.query('COMMIT')
    return rows
  } finally {
    await db.end()
  }
}

/** The order's payment once settlement decided it (recorded `pending` first, then decided). */
async function settledPayment(orderId: string, customer: string): Promise<PaymentRow> {
  const deadline = Date.now() + SETTLEMENT_TIMEOUT_MS
  for (;;) {
    const rows = await paymentOf(orderId, customer)
    if (rows.some((r) => r.status !== 'pending') || Date.now() > deadline) {
      expect(rows).toHaveLength(1)
      return rows[0] as PaymentRow
    }
    await sleep(250)
  }
}

/** `decision reason boundary` of what `service` audited for the trace, waiting for `count` of them. */
async function decisionsOf(service: string, traceId: string, count: number): Promise<string[]> {
  const describe = (r: LoggedDecision) => `${r.decision} ${r.reason} ${String(r.boundary)}`
  await expect
    .poll(() => allAuditRecords(service).filter((r) => r.traceId === traceId).length, {
      timeout: 5_000,
    })
    .toBeGreaterThanOrEqual(count)
  return allAuditRecords(service)
    .filter((r) => r.traceId === traceId)
    .map(describe)
}

test.describe('payments-api settles each order at the vault', () => {
  test('Katie’s order through the gateway is settled once, with token, brand and last four only', async ({
    edge,
    katie,
  }) => {
    const order = await placeOrder(edge, katie, TEST_CARD)
    const customer = await subjectOf(edge, katie)
    const payment = await settledPayment(order.id, customer)
    expect(payment).toMatchObject({
      customer_id: customer,
      card_brand: 'visa',
      card_last4: '1111',
      amount_cents: order.totalCents,
      currency: order.currency,
      status: 'settled',
      decline_reason: null,
      trace_id: order.traceId,
    })
    expect(payment.settled_at).toBeInstanceOf(Date)
    expect(isLuhnValid(payment.card_token)).toBe(false)
    expect(JSON.stringify(payment)).not.toMatch(/4111111111111111/)

    expect((await decisionsOf('payments-api', order.traceId, 2)).sort()).toEqual([
      'allow event.processed TB09',
      'allow payment.settled TB07',
    ])
    const detokenized = allAuditRecords(VAULT).filter(
      (r) => r.traceId === order.traceId && r.route === 'POST /detokenize',
    )
    expect(detokenized.map((r) => [r.decision, r.reason, r.caller, r.boundary])).toEqual([
      ['allow', 'vault.request_accepted', PAYMENTS_CARDVAULT_ID, 'TB07'],
    ])
  })

  test('the documented declining test card: the order is placed, its payment recorded as declined', async ({
    edge,
    katie,
  }) => {
    const order = await placeOrder(edge, katie, DECLINING_CARD)
    const payment = await settledPayment(order.id, await subjectOf(edge, katie))
    expect(payment).toMatchObject({
      status: 'declined',
      settled_at: null,
      decline_reason: 'insufficient_funds',
      card_last4: '0002',
    })
    expect((await decisionsOf('payments-api', order.traceId, 2)).sort()).toEqual([
      'allow event.processed TB09',
      'deny payment.declined TB07',
    ])
  })

  test('payments-api’s retail certificate is refused at the vault’s handshake', async () => {
    const before = allAuditRecords(VAULT).length
    const startedAt = new Date().toISOString()
    const outcome = await tryHandshake(
      urlOf(VAULT),
      cardvaultCa(),
      stackPaths().secrets('payments-api'),
    )
    expect(outcome.answered, JSON.stringify(outcome)).toBe(false)
    await expect
      .poll(() =>
        allAuditRecords(VAULT)
          .slice(before)
          .filter((r) => r.time >= startedAt)
          .map((r) => `${r.decision} ${r.reason} ${String(r.boundary)}`),
      )
      .toEqual(['deny vault.handshake_refused TB07'])
  })
})
