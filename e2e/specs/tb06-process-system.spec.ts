/**
 * TB06 — process ↔ system APIs (mTLS + exchanged token). orders-api on the running stack, called
 * by the one workload that may call it, order-fulfillment-api (its real certificate), with tokens
 * the real IdP issued down the real chain of exchanges: the legitimate read, a token without the
 * route's scope, a token for another audience. Then the IDOR through the front door: Bob's order
 * id asked for with Katie's token through the gateway is a 404 that says nothing about Bob's
 * order — row-level security finds no such row for Katie, so there is nothing to be forbidden.
 */
import type { ChainHop } from '@mythical/service-kit/testing'
import { workloadId } from '@mythical/stack'
import { auditRecordsOf } from '../support/audit-log.ts'
import { callWithDpop } from '../support/gateway-call.ts'
import { expect, test } from '../support/fixtures.ts'
import {
  agentOf,
  callInternal,
  chainTokens,
  expectHopRefusal,
  expectWrongAudienceRefused,
} from '../support/internal-call.ts'
import { answerTraceId, postOrder } from '../support/orders.ts'
import { signInShopper } from '../support/shopper.ts'

const SYSTEM_API = 'orders-api'

/** Katie's token as order-fulfillment-api holds it for orders-api, with `scope`. */
const forOrdersApi = (scope: string): ChainHop[] => [
  { by: 'gateway', audience: 'my-shopping-api' },
  { by: 'my-shopping-api', audience: 'order-fulfillment-api', scope },
  { by: 'order-fulfillment-api', audience: SYSTEM_API, scope },
]

test.describe('TB06 process ↔ system', () => {
  const processApi = agentOf('order-fulfillment-api')
  test.afterAll(() => processApi.close())

  test('the exchanged token, three hops down: orders-api admits it and records the chain', async ({
    katie,
  }) => {
    const [, , readToken = ''] = await chainTokens(katie, forOrdersApi('orders:read'))
    const response = await callInternal(SYSTEM_API, processApi, {
      path: '/orders',
      token: readToken,
    })
    expect(response.status, response.text).toBe(200)
    const records = await auditRecordsOf(response.traceId, SYSTEM_API)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({
      decision: 'allow',
      reason: 'access.granted',
      boundary: 'TB06',
      caller: workloadId('retail', 'order-fulfillment-api'),
      subject: 'katie',
      scope: 'orders:read',
      act: {
        sub: workloadId('retail', 'order-fulfillment-api'),
        act: {
          sub: workloadId('retail', 'my-shopping-api'),
          act: { sub: workloadId('retail', 'gateway') },
        },
      },
    })
  })

  test('missing scope: a read token on the write route', async ({ katie }) => {
    const [, , readToken = ''] = await chainTokens(katie, forOrdersApi('orders:read'))
    const response = await callInternal(SYSTEM_API, processApi, {
      method: 'POST',
      path: '/orders',
      token: readToken,
      body: {},
    })
    const record = await expectHopRefusal(SYSTEM_API, response, {
      status: 403,
      code: 'ZT_ERR_INSUFFICIENT_SCOPE',
      reason: 'scope.insufficient',
      boundary: 'TB06',
    })
    expect(record.subject).toBe('katie')
    expect(response.headers['www-authenticate']).toMatch(/insufficient_scope/)
  })

  test('wrong audience: a token the IdP issued for customers-api', async ({ katie }) => {
    await expectWrongAudienceRefused(katie, SYSTEM_API, processApi, 'TB06')
  })

  test('IDOR: Bob’s order id with Katie’s token through the gateway → 404, never 403 with details', async ({
    edge,
    katie,
  }) => {
    test.setTimeout(60_000)
    const bob = await signInShopper('bob')
    const placed = await postOrder(edge, bob, { sku: 'sku-helmet' })
    expect(placed.status, placed.text).toBe(201)
    const bobsOrder = placed.json<{ id: string }>().id
    const own = await callWithDpop(edge, { path: `/shopping/me/orders/${bobsOrder}`, session: bob })
    expect(own.status, 'Bob sees his own order (control)').toBe(200)

    const response = await callWithDpop(edge, {
      path: `/shopping/me/orders/${bobsOrder}`,
      session: katie,
    })
    expect(response.status, response.text).toBe(404)
    const problem = response.json<{ code: string; traceId: string }>()
    expect(problem.code).toBe('ZT_ERR_NOT_FOUND')
    for (const detail of ['bob', 'sku-helmet', '1111', 'visa']) {
      expect(response.text.toLowerCase().includes(detail), `no "${detail}" in the answer`).toBe(
        false,
      )
    }
    // orders-api admitted Katie's token (it is hers, valid, scoped) and found no such row for
    // her: the decision is row-level security's, so the record is an allow with her subject and
    // the answer a 404 — no deny that would confirm the order exists.
    const records = await auditRecordsOf(answerTraceId(response), SYSTEM_API)
    expect(records.map((r) => `${r.decision} ${r.reason} ${String(r.subject)}`)).toEqual([
      'allow access.granted katie',
    ])
  })
})
