/**
 * TB06 process → orders-api, over real mTLS with the stack's workload certificates and the real
 * orders database (row-level security): order-fulfillment-api persists and reads Katie's orders
 * with exchanged tokens; each refusal answers its status and problem code and writes its audit
 * reason, and another customer's order is a plain 404.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import {
  stackWorkload as workload,
  startStackServiceForTest,
  type MtlsCallResult as CallResult,
} from '@mythical/service-kit/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

const katie = `katie-${randomUUID()}`
const bob = `bob-${randomUUID()}`
const fulfillment = workload('order-fulfillment-api')
const shopping = workload('my-shopping-api')
const chain = { sub: fulfillment.spiffeId, act: { sub: shopping.spiffeId } }

const newOrder = () => ({
  id: randomUUID(),
  items: [
    { sku: 'sku-trail-shoe', quantity: 1, priceCents: 12900 },
    { sku: 'sku-bike-light', quantity: 2, priceCents: 3900 },
  ],
  totalCents: 20700,
  currency: 'EUR',
  card: { brand: 'visa', last4: '1111' },
  traceId: randomUUID().replaceAll('-', ''),
})

function assertOneRecord(res: CallResult, decision: 'allow' | 'deny', reason: string) {
  assert.equal(res.records.length, 1, 'exactly one audit record per request')
  assert.equal(res.records[0]?.decision, decision)
  assert.equal(res.records[0]?.reason, reason)
  assert.equal(res.records[0]?.boundary, 'TB06')
}

describe('orders-api routes (TB06, real PostgreSQL with RLS)', () => {
  let api: Awaited<ReturnType<typeof startStackServiceForTest>>
  const token = (sub: string, scope: string, extra: Record<string, unknown> = {}) =>
    api.idp.mint({
      audience: 'orders-api',
      boundTo: fulfillment,
      sub,
      scope,
      clientId: 'order-fulfillment-api',
      act: chain,
      ...extra,
    })
  const katiesOrder = newOrder()
  const place = async (sub: string, body: unknown) =>
    api.call(fulfillment, 'POST', '/orders', await token(sub, 'orders:write'), body)

  before(async () => {
    api = await startStackServiceForTest('orders-api', loadServiceConfig, buildApp)
  })
  after(() => api.close())

  it('persists the order for the token subject: 201, Location, audited allow', async () => {
    const res = await place(katie, katiesOrder)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.headers.location, `/orders/${katiesOrder.id}`)
    assert.deepEqual(
      { ...res.body, createdAt: undefined },
      {
        id: katiesOrder.id,
        status: 'placed',
        items: katiesOrder.items,
        totalCents: 20700,
        currency: 'EUR',
        card: { brand: 'visa', last4: '1111' },
        traceId: katiesOrder.traceId,
        createdAt: undefined,
      },
    )
    assertOneRecord(res, 'allow', 'access.granted')
    assert.equal(res.records[0]?.subject, katie)
    assert.deepEqual(res.records[0]?.act, chain)
  })

  it('answers a retried identical order with the same order (200), another body 409', async () => {
    const write = await token(katie, 'orders:write')
    const again = await api.call(fulfillment, 'POST', '/orders', write, katiesOrder)
    assert.equal(again.status, 200)
    assert.equal(again.body.id, katiesOrder.id)
    const changed = { ...katiesOrder, totalCents: 12900, items: [katiesOrder.items[0]] }
    const conflict = await api.call(fulfillment, 'POST', '/orders', write, changed)
    assert.equal(conflict.status, 409)
    assert.equal(conflict.body.code, 'ZT_ERR_CONFLICT')
  })

  it("refuses an order id another customer holds (409), leaving bob's order unchanged", async () => {
    const res = await place(bob, katiesOrder)
    assert.equal(res.status, 409)
    assert.equal(res.body.code, 'ZT_ERR_CONFLICT')
  })

  it("lists and reads the subject's orders only", async () => {
    const read = await token(katie, 'orders:read')
    const list = await api.call(fulfillment, 'GET', '/orders', read)
    assert.equal(list.status, 200)
    assert.deepEqual(
      (list.body.orders as { id: string }[]).map((o) => o.id),
      [katiesOrder.id],
    )
    const one = await api.call(fulfillment, 'GET', `/orders/${katiesOrder.id}`, read)
    assert.equal(one.status, 200)
    assert.deepEqual(one.body.items, katiesOrder.items)
    const bobs = await api.call(fulfillment, 'GET', '/orders', await token(bob, 'orders:read'))
    assert.deepEqual(bobs.body.orders, [])
  })

  it("IDOR: bob asking for katie's order by id gets 404, exactly like an unknown id", async () => {
    const bobRead = await token(bob, 'orders:read')
    const idor = await api.call(fulfillment, 'GET', `/orders/${katiesOrder.id}`, bobRead)
    const unknown = await api.call(fulfillment, 'GET', `/orders/${randomUUID()}`, bobRead)
    for (const res of [idor, unknown]) {
      assert.equal(res.status, 404)
      assert.equal(res.body.code, 'ZT_ERR_NOT_FOUND')
      assert.equal(res.body.detail, 'no such order')
      // Access was granted to bob for bob's data; RLS found nothing of his under that id.
      assertOneRecord(res, 'allow', 'access.granted')
      assert.equal(res.records[0]?.subject, bob)
    }
  })

  it('refuses a card number where the last four digits belong (400, nothing stored)', async () => {
    const withPan = { ...newOrder(), card: { brand: 'visa', last4: '4111111111111111' } }
    const res = await place(katie, withPan)
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'ZT_ERR_VALIDATION')
    assert.doesNotMatch(JSON.stringify(res.body), /4111111111111111/)
  })

  it('refuses lines that do not add up to the total (400)', async () => {
    const res = await place(katie, {
      ...newOrder(),
      totalCents: 1,
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'ZT_ERR_VALIDATION')
  })

  const refusals: {
    name: string
    as?: typeof fulfillment
    path?: string
    token: () => Promise<string | undefined>
    status: number
    code: string
    reason: string
  }[] = [
    {
      name: 'no access token',
      token: async () => undefined,
      status: 401,
      code: 'ZT_ERR_TOKEN_MISSING',
      reason: 'token.missing',
    },
    {
      name: 'missing scope (a read token placing an order)',
      path: 'POST',
      token: () => token(katie, 'orders:read'),
      status: 403,
      code: 'ZT_ERR_INSUFFICIENT_SCOPE',
      reason: 'scope.insufficient',
    },
    {
      name: 'token for another audience',
      token: () =>
        api.idp.mint({
          audience: 'customers-api',
          boundTo: fulfillment,
          sub: katie,
          scope: 'orders:read',
        }),
      status: 401,
      code: 'ZT_ERR_TOKEN_AUDIENCE',
      reason: 'token.audience',
    },
    {
      name: "the caller's own token replayed unchanged",
      token: () =>
        api.idp.mint({
          audience: 'order-fulfillment-api',
          boundTo: fulfillment,
          sub: katie,
          scope: 'orders:read',
        }),
      status: 401,
      code: 'ZT_ERR_TOKEN_FORWARDED',
      reason: 'token.forwarded_unchanged',
    },
    {
      name: "token bound to another workload's certificate",
      token: () => token(katie, 'orders:read', { boundTo: shopping }),
      status: 401,
      code: 'ZT_ERR_TOKEN_NOT_BOUND',
      reason: 'cnf.certificate_mismatch',
    },
    {
      name: 'a workload the call graph does not allow (my-shopping-api)',
      as: shopping,
      token: () => token(katie, 'orders:read', { boundTo: shopping }),
      status: 403,
      code: 'ZT_ERR_PEER_NOT_ALLOWED',
      reason: 'mtls.peer_not_allowed',
    },
  ]
  for (const r of refusals) {
    it(`refuses ${r.name}: ${r.status} ${r.code}, audit ${r.reason}`, async () => {
      const res =
        r.path === 'POST'
          ? await api.call(r.as ?? fulfillment, 'POST', '/orders', await r.token(), newOrder())
          : await api.call(r.as ?? fulfillment, 'GET', '/orders', await r.token())
      assert.equal(res.status, r.status, JSON.stringify(res.body))
      assert.equal(res.body.code, r.code)
      assertOneRecord(res, 'deny', r.reason)
    })
  }
})
