/**
 * order-fulfillment-api on the real order path: real mTLS between every hop, the real orders-api
 * and card vault (their own processes), its own PostgreSQL database (placed orders + outbox) and the orders database.
 * Katie's order is priced from the catalogue, her card tokenized at the vault, the order persisted
 * at orders-api and recorded with its outbox row; retries converge (no second tokenization, no
 * second outbox row = no second charge); the vault or the IdP down → 503 and nothing half-written.
 * TB05 refusals (callee side): the hop kit's, each with status, problem code and audit reason.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { isLuhnValid } from '@mythical/audit'
import { createDatabasePool, withCustomerScope } from '@mythical/db'
import { findProduct } from '@mythical/catalogue'
import type { Pool } from 'pg'
import {
  DOWN,
  paths,
  shopperToken,
  startOrderPath,
  TEST_CARD,
  unreachableIdp,
  type Fulfillment,
  type OrderPath,
} from '../support/order-path.ts'

const katie = `katie-${randomUUID()}`
const bob = `bob-${randomUUID()}`
const ITEMS = [
  { sku: 'sku-trail-shoe', quantity: 1 },
  { sku: 'sku-bike-light', quantity: 2 },
]
const expectedTotal = ITEMS.reduce(
  (sum, { sku, quantity }) => sum + (findProduct(sku)?.priceCents ?? NaN) * quantity,
  0,
)

let path: OrderPath
let api: Fulfillment
let pool: Pool

before(async () => {
  path = await startOrderPath()
  api = await path.fulfillment()
  pool = createDatabasePool(paths.secrets('order-fulfillment-api'))
})
after(async () => {
  await pool?.end()
  await path?.close()
})

const newKey = () => `checkout-${randomUUID()}`
const place = async (sub: string, key: string | undefined, body: unknown, on = api) =>
  on.call('POST', '/orders', {
    token: await shopperToken(path.idp, sub, 'orders:write'),
    body,
    ...(key ? { idempotencyKey: key } : {}),
  })

/** Placed-order and outbox rows of `orderId` (the placed order under Katie's RLS scope). */
async function rowsOf(customer: string, orderId: string) {
  const placed = await withCustomerScope(pool, customer, (db) =>
    db.query('SELECT * FROM placed_orders WHERE order_id = $1', [orderId]),
  )
  const outbox = await pool.query('SELECT * FROM outbox WHERE aggregate_id = $1', [orderId])
  return { placed: placed.rows, outbox: outbox.rows }
}

const isAccepted = (record: { reason?: unknown }) => record.reason === 'vault.request_accepted'
/** Requests the vault accepted so far, once its record of at least `atLeast` of them is in. */
const vaultAccepted = async (atLeast = 0) => {
  if (atLeast > 0)
    await path.vault.untilAudited(() => path.vault.audit.filter(isAccepted).length >= atLeast)
  return path.vault.audit.filter(isAccepted).length
}

describe('POST /orders', () => {
  const key = newKey()
  let orderId: string

  it('places the order: priced from the catalogue, card tokenized, persisted, outbox written', async () => {
    const res = await place(katie, key, { items: ITEMS, card: TEST_CARD })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    orderId = String(res.body.id)
    assert.equal(res.headers.location, `/orders/${orderId}`)
    assert.equal(res.body.totalCents, expectedTotal)
    assert.deepEqual(res.body.card, { brand: 'visa', last4: '1111' })
    assert.equal(res.body.currency, 'EUR')
    assert.doesNotMatch(JSON.stringify(res.body), /4111 ?1111 ?1111 ?1111/)
    assert.equal(res.records[0]?.reason, 'access.granted')
    assert.equal(res.records[0]?.decision, 'allow')
    assert.equal(res.records[0]?.boundary, 'TB05')

    const { placed, outbox } = await rowsOf(katie, orderId)
    assert.equal(placed.length, 1)
    assert.equal(outbox.length, 1)
    const token = String(placed[0].card_token)
    assert.match(token, /^4[0-9]{11}1111$/)
    assert.equal(isLuhnValid(token), false)
    assert.equal(outbox[0].event_type, 'order.placed')
    assert.equal(outbox[0].published_at, null)
    const event = outbox[0].payload as Record<string, unknown>
    assert.deepEqual(event.card, { token, brand: 'visa', last4: '1111' })
    assert.equal(event.customer, katie)
    assert.equal(event.totalCents, expectedTotal)
    assert.equal(event.orderId, orderId)
    for (const digits of JSON.stringify(event).match(/[0-9]{13,19}/g) ?? []) {
      assert.equal(isLuhnValid(digits), false, 'a PAN in the outbox')
    }
    assert.doesNotMatch(JSON.stringify([placed, outbox]), /"cvc"|"123"/)
  })

  it('answers the same key and body with the same order: no second tokenization, no second event', async () => {
    // The first placement's tokenization is on record before the retry is sent.
    const tokenized = await vaultAccepted(1)
    const res = await place(katie, key, { items: ITEMS, card: TEST_CARD })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.id, orderId)
    assert.equal(await vaultAccepted(), tokenized)
    const { placed, outbox } = await rowsOf(katie, orderId)
    assert.equal(placed.length, 1)
    assert.equal(outbox.length, 1)
  })

  it('refuses the same key with another body: 409', async () => {
    const res = await place(katie, key, {
      items: [{ sku: 'sku-trail-shoe', quantity: 3 }],
      card: TEST_CARD,
    })
    assert.equal(res.status, 409)
    assert.equal(res.body.code, 'ZT_ERR_CONFLICT')
  })

  it('requires an Idempotency-Key', async () => {
    const res = await place(katie, undefined, { items: ITEMS, card: TEST_CARD })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'ZT_ERR_IDEMPOTENCY_KEY_REQUIRED')
  })

  it('never reads a client price (the line is priced from the catalogue); an unknown product is unprocessable', async () => {
    const priced = await place(katie, newKey(), {
      items: [{ sku: 'sku-trail-shoe', quantity: 1, priceCents: 1 }],
      card: TEST_CARD,
    })
    assert.equal(priced.status, 201, JSON.stringify(priced.body))
    const price = findProduct('sku-trail-shoe')?.priceCents
    assert.equal(priced.body.totalCents, price)
    assert.deepEqual(priced.body.items, [{ sku: 'sku-trail-shoe', quantity: 1, priceCents: price }])
    const unknown = await place(katie, newKey(), {
      items: [{ sku: 'sku-unobtainium', quantity: 1 }],
      card: TEST_CARD,
    })
    assert.equal(unknown.status, 422)
    assert.equal(unknown.body.code, 'ZT_ERR_ORDER_INVALID')
  })

  it('relays the vault refusing the card: 422, nothing written', async () => {
    const res = await place(katie, newKey(), {
      items: ITEMS,
      card: { ...TEST_CARD, number: '4111 1111 1111 1112' },
    })
    assert.equal(res.status, 422)
    assert.equal(res.body.code, 'ZT_ERR_CARD_REJECTED')
    assert.doesNotMatch(JSON.stringify(res.body), /1111[ -]?1112/)
  })
})

describe('fail closed', () => {
  it('the vault down → 503, nothing written; the retry with the same key places the order once', async () => {
    const key = newKey()
    const vaultDown = await path.fulfillment({ tokenizationUrl: DOWN })
    const down = await place(katie, key, { items: ITEMS, card: TEST_CARD }, vaultDown)
    assert.equal(down.status, 503, JSON.stringify(down.body))
    assert.equal(down.body.code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')
    assert.doesNotMatch(JSON.stringify(down.body), /4111[ -]?1111/)

    const retry = await place(katie, key, { items: ITEMS, card: TEST_CARD })
    assert.equal(retry.status, 201, JSON.stringify(retry.body))
    const { placed, outbox } = await rowsOf(katie, String(retry.body.id))
    assert.equal(placed.length, 1)
    assert.equal(outbox.length, 1)
  })

  it('the IdP down (no token for orders-api) → 503, no placed order and no event', async () => {
    const key = newKey()
    const idpDown = await path.fulfillment({ deps: { tokens: unreachableIdp } })
    const down = await place(katie, key, { items: ITEMS, card: TEST_CARD }, idpDown)
    assert.equal(down.status, 503, JSON.stringify(down.body))
    assert.equal(down.body.code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')

    const retry = await place(katie, key, { items: ITEMS, card: TEST_CARD })
    assert.equal(retry.status, 201, JSON.stringify(retry.body))
    const { placed, outbox } = await rowsOf(katie, String(retry.body.id))
    assert.equal(placed.length, 1)
    assert.equal(outbox.length, 1)
  })
})

describe('GET /orders', () => {
  it("lists and shows the shopper's own orders; another customer's order is a 404", async () => {
    const placed = await place(katie, newKey(), { items: ITEMS, card: TEST_CARD })
    assert.equal(placed.status, 201)
    const katieRead = await shopperToken(path.idp, katie, 'orders:read')
    const list = await api.call('GET', '/orders', { token: katieRead })
    assert.equal(list.status, 200)
    const ids = (list.body.orders as { id: string }[]).map((o) => o.id)
    assert.ok(ids.includes(String(placed.body.id)))

    const one = await api.call('GET', `/orders/${String(placed.body.id)}`, { token: katieRead })
    assert.equal(one.status, 200)
    assert.deepEqual(one.body.card, { brand: 'visa', last4: '1111' })

    const bobRead = await shopperToken(path.idp, bob, 'orders:read')
    const idor = await api.call('GET', `/orders/${String(placed.body.id)}`, { token: bobRead })
    assert.equal(idor.status, 404)
    assert.equal(idor.body.code, 'ZT_ERR_NOT_FOUND')
  })
})

describe('TB05 refusals (experience → process)', () => {
  it('refuses a token for another audience', async () => {
    const token = await shopperToken(path.idp, katie, 'orders:read', { audience: 'orders-api' })
    const res = await api.call('GET', '/orders', { token })
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 'ZT_ERR_TOKEN_AUDIENCE')
    assert.equal(res.records[0]?.reason, 'token.audience')
    assert.equal(res.records[0]?.boundary, 'TB05')
  })

  it("refuses the user's token replayed unchanged (audience = the caller itself)", async () => {
    const token = await shopperToken(path.idp, katie, 'orders:read', {
      audience: 'my-shopping-api',
    })
    const res = await api.call('GET', '/orders', { token })
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 'ZT_ERR_TOKEN_FORWARDED')
    assert.equal(res.records[0]?.reason, 'token.forwarded_unchanged')
  })

  it('refuses a token without the route scope', async () => {
    const res = await api.call('POST', '/orders', {
      token: await shopperToken(path.idp, katie, 'orders:read'),
      body: { items: ITEMS, card: TEST_CARD },
      idempotencyKey: newKey(),
    })
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_INSUFFICIENT_SCOPE')
    assert.equal(res.records[0]?.reason, 'scope.insufficient')
  })
})
