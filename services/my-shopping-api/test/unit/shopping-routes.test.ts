/**
 * Every `/shopping/**` route of the contract behind the gateway's phantom JWT (TB04), calling its
 * next hops with exchanged tokens (TB05, TB06): the legitimate call, and each refusal with its
 * status, problem code and audit reason. Only the caller's data is reachable; the card number
 * passes through and is written to no log line.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { isLuhnValid } from '@mythical/audit'
import { CATALOGUE } from '@mythical/catalogue'
import { assertDenied } from '@mythical/service-kit/testing'
import { startShoppingApi } from './support.ts'

const bed = await startShoppingApi()
after(() => bed.close())

const CARD = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030, cvc: '123' }
const ORDER = { items: [{ sku: 'sku-tent', quantity: 1 }], card: CARD }

describe('reads', () => {
  it('GET /shopping/products: the catalogue for any valid phantom JWT', async () => {
    const res = await bed.call('GET', '/shopping/products', {
      token: await bed.phantom({ sub: 'web', scope: '' }),
    })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.products, CATALOGUE)
    assert.equal(res.records[0]?.reason, 'access.granted')
    assert.equal(res.records[0]?.boundary, 'TB04')
  })

  it('GET /shopping/me: the profile, exchanged for customers-api with customers:read only', async () => {
    const res = await bed.call('GET', '/shopping/me', { token: await bed.phantom() })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { sub: 'katie', name: 'Katie', email: 'katie@example.com' })
    assert.deepEqual(bed.next['customers-api'].seen()?.scopes, ['customers:read'])
    assert.deepEqual(bed.next['customers-api'].seen()?.act, {
      sub: 'spiffe://retail.mythical.example/my-shopping-api',
      act: { sub: 'spiffe://retail.mythical.example/gateway' },
    })
  })

  it('GET /shopping/me/loyalty', async () => {
    const res = await bed.call('GET', '/shopping/me/loyalty', { token: await bed.phantom() })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {
      points: 12,
      history: [{ orderId: 'o-1', points: 12, at: '2026-11-01' }],
    })
  })

  it('GET /shopping/me/recommendations, exchanged with recommendations:read only', async () => {
    const res = await bed.call('GET', '/shopping/me/recommendations', {
      token: await bed.phantom(),
    })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {
      products: [{ sku: 'sku-tent', name: 'Two-person tent', reason: 'popular' }],
    })
    assert.deepEqual(bed.next['recommendations-api'].seen()?.scopes, ['recommendations:read'])
  })

  it('each call asks for a token for exactly its next hop and scope', async () => {
    const asked = bed.tokens.requests.length
    await bed.call('GET', '/shopping/me/loyalty', { token: await bed.phantom() })
    assert.deepEqual(bed.tokens.requests.slice(asked), [
      'exchange https://customers-api.retail.mythical.example customers:read',
    ])
  })
})

describe('orders', () => {
  let placedId = ''

  it('POST /shopping/me/orders: 201, Location, the card reduced to brand and last 4', async () => {
    const res = await bed.call('POST', '/shopping/me/orders', {
      token: await bed.phantom(),
      body: ORDER,
      headers: { 'idempotency-key': 'order-key-0001' },
    })
    assert.equal(res.status, 201)
    placedId = String(res.body.id)
    assert.equal(res.headers.location, `/shopping/me/orders/${placedId}`)
    assert.deepEqual(res.body.card, { brand: 'visa', last4: '1111' })
    // Write, and read for the answer (a retry under the same key reads the order back): no more.
    assert.deepEqual([...(bed.next['order-fulfillment-api'].seen()?.scopes ?? [])].sort(), [
      'orders:read',
      'orders:write',
    ])
    assert.equal(
      bed.next['order-fulfillment-api'].seen()?.headers['idempotency-key'],
      'order-key-0001',
    )
    assert.deepEqual(bed.next['order-fulfillment-api'].seen()?.body, ORDER)
  })

  it('the same Idempotency-Key again: the same order, not a new one', async () => {
    const res = await bed.call('POST', '/shopping/me/orders', {
      token: await bed.phantom(),
      body: ORDER,
      headers: { 'idempotency-key': 'order-key-0001' },
    })
    assert.equal(res.status, 200)
    assert.equal(res.body.id, placedId)
  })

  it('without an Idempotency-Key: 400, nothing forwarded', async () => {
    bed.next['order-fulfillment-api'].reset()
    const res = await bed.call('POST', '/shopping/me/orders', {
      token: await bed.phantom(),
      body: ORDER,
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'ZT_ERR_IDEMPOTENCY_KEY_REQUIRED')
    assert.equal(bed.next['order-fulfillment-api'].seen(), undefined)
  })

  it('a malformed order: 400 naming the field, never echoing the card number', async () => {
    const res = await bed.call('POST', '/shopping/me/orders', {
      token: await bed.phantom(),
      body: { ...ORDER, card: { ...CARD, number: '4111 1111 1111 1111 x' } },
      headers: { 'idempotency-key': 'order-key-0002' },
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'ZT_ERR_VALIDATION')
    assert.doesNotMatch(JSON.stringify(res.body), /4111/)
  })

  it('GET /shopping/me/orders: her own orders only, summaries', async () => {
    const katie = await bed.call('GET', '/shopping/me/orders', { token: await bed.phantom() })
    assert.equal(katie.status, 200)
    assert.deepEqual(Object.keys((katie.body.orders as object[])[0] ?? {}).sort(), [
      'createdAt',
      'currency',
      'id',
      'status',
      'totalCents',
    ])
    const bob = await bed.call('GET', '/shopping/me/orders', {
      token: await bed.phantom({ sub: 'bob' }),
    })
    assert.deepEqual(bob.body, { orders: [] })
  })

  it('GET /shopping/me/orders/{id}: her order; the contract fields only', async () => {
    const res = await bed.call('GET', `/shopping/me/orders/${placedId}`, {
      token: await bed.phantom(),
    })
    assert.equal(res.status, 200)
    assert.equal(res.body.id, placedId)
    assert.deepEqual(res.body.card, { brand: 'visa', last4: '1111' })
  })

  it("another customer's order id: 404, the same as a missing one", async () => {
    const res = await bed.call('GET', `/shopping/me/orders/${placedId}`, {
      token: await bed.phantom({ sub: 'bob' }),
    })
    assert.equal(res.status, 404)
    assert.equal(res.body.code, 'ZT_ERR_NOT_FOUND')
  })

  it('the card number is in no log line and no audit record', () => {
    // Card-like: 13–19 digits, not part of a number (response times) or a hex id (trace ids).
    const cardLike = /(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w.])/g
    // UUIDs (order and token ids) are ids, not cards: their digit groups can pass Luhn by chance.
    const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi
    for (const raw of bed.log.raw) {
      const line = raw.replace(uuid, 'uuid')
      const found = (line.match(cardLike) ?? []).map((m) => m.replace(/[ -]/g, ''))
      assert.deepEqual(found.filter(isLuhnValid), [], raw)
      assert.doesNotMatch(line, /4111[ -]?1111/)
    }
    assert.ok(bed.log.raw.length > 0)
  })
})

describe("anonymous browsing: the gateway's machine token (no user)", () => {
  it('GET /shopping/products with catalogue:read: the catalogue', async () => {
    const res = await bed.call('GET', '/shopping/products', { token: await bed.machine() })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.products, CATALOGUE)
    assert.equal(res.records[0]?.reason, 'access.granted')
    assert.equal(res.records[0]?.subject, 'gateway')
  })

  it('GET /shopping/products without catalogue:read: 403', async () => {
    const res = await bed.call('GET', '/shopping/products', {
      token: await bed.machine('orders:read'),
    })
    assertDenied(res, 403, 'ZT_ERR_INSUFFICIENT_SCOPE', 'scope.insufficient')
  })

  for (const path of ['/shopping/me', '/shopping/me/orders', '/shopping/me/loyalty']) {
    it(`GET ${path}: 403, a user's route`, async () => {
      const res = await bed.call('GET', path, { token: await bed.machine() })
      assertDenied(res, 403, 'ZT_ERR_INSUFFICIENT_SCOPE', 'scope.insufficient')
    })
  }
})

describe('refusals at the door (TB04)', () => {
  it('no token: 401', async () => {
    const res = await bed.call('GET', '/shopping/me')
    assertDenied(res, 401, 'ZT_ERR_TOKEN_MISSING', 'token.missing')
  })

  it('a direct call that bypasses the gateway: 403 before any token check', async () => {
    const res = await bed.call('GET', '/shopping/me', {
      as: 'web',
      token: await bed.phantom({ boundTo: bed.web }),
    })
    assertDenied(res, 403, 'ZT_ERR_PEER_NOT_ALLOWED', 'mtls.peer_not_allowed')
  })

  it('a token for another audience: 401', async () => {
    const res = await bed.call('GET', '/shopping/me', {
      token: await bed.phantom({ audience: 'shop-assistant-api' }),
    })
    assertDenied(res, 401, 'ZT_ERR_TOKEN_AUDIENCE', 'token.audience')
  })

  it("a token bound to another workload's certificate: 401", async () => {
    const res = await bed.call('GET', '/shopping/me', {
      token: await bed.phantom({ boundTo: bed.web }),
    })
    assertDenied(res, 401, 'ZT_ERR_TOKEN_NOT_BOUND', 'cnf.certificate_mismatch')
  })

  const scoped: [string, 'GET' | 'POST', string, string][] = [
    ['/shopping/me', 'GET', 'orders:read', 'customers:read'],
    ['/shopping/me/loyalty', 'GET', 'orders:read', 'customers:read'],
    ['/shopping/me/recommendations', 'GET', 'orders:read', 'recommendations:read'],
    ['/shopping/me/orders', 'GET', 'customers:read', 'orders:read'],
    ['/shopping/me/orders/o-1', 'GET', 'customers:read', 'orders:read'],
    ['/shopping/me/orders', 'POST', 'orders:read', 'orders:write'],
    // The trust trace has its own scope: reading her orders does not open it.
    ['/shopping/me/traces', 'GET', 'orders:read', 'traces:read'],
    ['/shopping/me/traces/4bf92f3577b34da6a3ce929d0e0e4736', 'GET', 'orders:read', 'traces:read'],
  ]
  for (const [path, method, held, needed] of scoped) {
    it(`${method} ${path} without ${needed}: 403 insufficient scope`, async () => {
      const res = await bed.call(method, path, {
        token: await bed.phantom({ scope: held }),
        ...(method === 'POST'
          ? { body: ORDER, headers: { 'idempotency-key': 'order-key-0003' } }
          : {}),
      })
      assertDenied(res, 403, 'ZT_ERR_INSUFFICIENT_SCOPE', 'scope.insufficient')
    })
  }
})
