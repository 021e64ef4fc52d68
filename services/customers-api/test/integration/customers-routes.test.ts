/**
 * TB06 experience → customers-api, over real mTLS with the stack's workload certificates and the
 * real customers database (row-level security): the shopper's own profile and loyalty for
 * my-shopping-api, the customer lookup for shop-assistant-api on behalf of a sales associate.
 * Each refusal answers its status and problem code and writes its audit reason.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import {
  stackWorkload as workload,
  startStackServiceForTest,
  type MtlsCallResult as CallResult,
} from '@mythical/service-kit/testing'
import { stackPaths } from '@mythical/stack'
import { createDatabasePool, withCustomerScope } from '@mythical/db'

import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'
import { staffTokenFrom } from './staff-token.ts'

const run = randomUUID().slice(0, 8)
const katie = { sub: `katie-${run}`, name: `Katie ${run}`, email: `katie-${run}@example.com` }
const shopping = workload('my-shopping-api')
const assistant = workload('shop-assistant-api')
const gateway = workload('gateway')

function assertOneRecord(res: CallResult, decision: 'allow' | 'deny', reason: string) {
  assert.equal(res.records.length, 1, 'exactly one audit record per request')
  assert.equal(res.records[0]?.decision, decision)
  assert.equal(res.records[0]?.reason, reason)
}

describe('customers-api routes (TB06, real PostgreSQL with RLS)', () => {
  let api: Awaited<ReturnType<typeof startStackServiceForTest>>
  /** What my-shopping-api holds after exchanging the gateway's phantom token. */
  const shopperToken = (sub: string, extra: Record<string, unknown> = {}) =>
    api.idp.mint({
      audience: 'customers-api',
      boundTo: shopping,
      sub,
      scope: 'customers:read',
      clientId: 'my-shopping-api',
      act: { sub: shopping.spiffeId, act: { sub: gateway.spiffeId } },
      ...extra,
    })
  /** What shop-assistant-api holds on behalf of a signed-in member of staff. */
  const staffToken = (groups: string[], scope = 'customers:read') =>
    staffTokenFrom(api.idp, groups, scope)

  before(async () => {
    const pool = createDatabasePool(stackPaths().secrets('customers-api'))
    await withCustomerScope(pool, katie.sub, async (db) => {
      await db.query(
        'INSERT INTO customers (customer_id, display_name, email) VALUES ($1, $2, $3)',
        [katie.sub, katie.name, katie.email],
      )
      await db.query(
        "INSERT INTO loyalty_ledger (customer_id, points, reason) VALUES ($1, 120, 'adjustment'), ($1, -20, 'redeemed')",
        [katie.sub],
      )
    })
    await pool.end()
    api = await startStackServiceForTest('customers-api', loadServiceConfig, buildApp)
  })
  after(() => api.close())

  it("GET /customers/me: the subject's own profile", async () => {
    const res = await api.call(shopping, 'GET', '/customers/me', await shopperToken(katie.sub))
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, katie)
    assertOneRecord(res, 'allow', 'access.granted')
    assert.equal(res.records[0]?.boundary, 'TB06')
    assert.equal(res.records[0]?.subject, katie.sub)
  })

  it('GET /customers/me/loyalty: balance and history, newest first', async () => {
    const res = await api.call(
      shopping,
      'GET',
      '/customers/me/loyalty',
      await shopperToken(katie.sub),
    )
    assert.equal(res.status, 200)
    assert.equal(res.body.points, 100)
    assert.deepEqual(
      (res.body.history as { points: number; orderId: unknown }[]).map((h) => [
        h.points,
        h.orderId,
      ]),
      [
        [-20, null],
        [120, null],
      ],
    )
  })

  it('a customer without a profile gets 404, and an empty ledger', async () => {
    const stranger = await shopperToken(`nobody-${run}`)
    const me = await api.call(shopping, 'GET', '/customers/me', stranger)
    assert.equal(me.status, 404)
    assert.equal(me.body.code, 'ZT_ERR_NOT_FOUND')
    const loyalty = await api.call(shopping, 'GET', '/customers/me/loyalty', stranger)
    assert.deepEqual(loyalty.body, { points: 0, history: [] })
  })

  it('GET /customers?q=: a sales associate finds customers with their points', async () => {
    const res = await api.call(
      assistant,
      'GET',
      `/customers?q=${run}`,
      await staffToken(['sales-associate']),
    )
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.customers, [{ ...katie, loyaltyPoints: 100 }])
    assertOneRecord(res, 'allow', 'access.granted')
    assert.equal(res.records[0]?.subject, 'sam')
  })

  const refusals: {
    name: string
    as: typeof shopping
    path: string
    token: () => Promise<string>
    status: number
    code: string
    reason: string
  }[] = [
    {
      name: 'the lookup for a subject without the sales-associate role',
      as: assistant,
      path: `/customers?q=${run}`,
      token: () => staffToken([]),
      status: 403,
      code: 'ZT_ERR_ROLE_REQUIRED',
      reason: 'role.missing',
    },
    {
      name: "the shopper's API on the staff lookup",
      as: shopping,
      path: `/customers?q=${run}`,
      token: () => shopperToken(katie.sub, { groups: ['sales-associate'] }),
      status: 403,
      code: 'ZT_ERR_PEER_NOT_ALLOWED',
      reason: 'mtls.peer_not_allowed',
    },
    {
      name: "the staff API on a customer's own data",
      as: assistant,
      path: '/customers/me',
      token: () => staffToken(['sales-associate']),
      status: 403,
      code: 'ZT_ERR_PEER_NOT_ALLOWED',
      reason: 'mtls.peer_not_allowed',
    },
    {
      name: 'a token without customers:read',
      as: shopping,
      path: '/customers/me',
      token: () => shopperToken(katie.sub, { scope: 'recommendations:read' }),
      status: 403,
      code: 'ZT_ERR_INSUFFICIENT_SCOPE',
      reason: 'scope.insufficient',
    },
    {
      name: 'a token for another audience',
      as: shopping,
      path: '/customers/me',
      token: () => shopperToken(katie.sub, { audience: 'recommendations-api' }),
      status: 401,
      code: 'ZT_ERR_TOKEN_AUDIENCE',
      reason: 'token.audience',
    },
  ]
  for (const r of refusals) {
    it(`refuses ${r.name}: ${r.status} ${r.code}, audit ${r.reason}`, async () => {
      const res = await api.call(r.as, 'GET', r.path, await r.token())
      assert.equal(res.status, r.status, JSON.stringify(res.body))
      assert.equal(res.body.code, r.code)
      assertOneRecord(res, 'deny', r.reason)
    })
  }

  it('refuses a too short lookup query: 400', async () => {
    const res = await api.call(
      assistant,
      'GET',
      '/customers?q=k',
      await staffToken(['sales-associate']),
    )
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'ZT_ERR_VALIDATION')
  })
})
