/**
 * TB05 — experience ↔ process (mTLS + exchanged token, `act` chain). The legitimate call is
 * Katie's order list through the gateway: my-shopping-api exchanges her phantom JWT at the IdP
 * for order-fulfillment-api, which records who acts for whom. The attacks are made by the one
 * workload that may call order-fulfillment-api, my-shopping-api (its real certificate), straight
 * to 127.0.0.1: a token the IdP issued for another audience, and Katie's token passed on
 * unchanged instead of exchanged. Every token comes from the real IdP.
 */
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
import { answerTraceId } from '../support/orders.ts'

const PROCESS_API = 'order-fulfillment-api'

test.describe('TB05 experience ↔ process', () => {
  const experience = agentOf('my-shopping-api')
  test.afterAll(() => experience.close())

  test('Katie’s orders through the gateway: an exchanged token, the act chain in the record', async ({
    edge,
    katie,
  }) => {
    const response = await callWithDpop(edge, { path: '/shopping/me/orders', session: katie })
    expect(response.status, response.text).toBe(200)
    const records = await auditRecordsOf(answerTraceId(response), PROCESS_API, (found) =>
      found.some((r) => r.route === 'GET /orders'),
    )
    expect(records.filter((r) => r.decision === 'deny')).toEqual([])
    expect(records.find((r) => r.route === 'GET /orders')).toMatchObject({
      decision: 'allow',
      reason: 'access.granted',
      boundary: 'TB05',
      caller: workloadId('retail', 'my-shopping-api'),
      subject: 'katie',
      audience: 'https://order-fulfillment-api.retail.mythical.example',
      // RFC 8693 §4.1: the current actor first, the one it acts for nested inside.
      act: {
        sub: workloadId('retail', 'my-shopping-api'),
        act: { sub: workloadId('retail', 'gateway') },
      },
    })
  })

  test('a token for another audience (my-shopping-api’s token for customers-api)', async ({
    katie,
  }) => {
    await expectWrongAudienceRefused(katie, PROCESS_API, experience, 'TB05')
  })

  test('the user token replayed downstream unchanged (the phantom JWT for my-shopping-api)', async ({
    katie,
  }) => {
    const [phantom = ''] = await chainTokens(katie, [
      { by: 'gateway', audience: 'my-shopping-api' },
    ])
    const response = await callInternal(PROCESS_API, experience, {
      path: '/orders',
      token: phantom,
    })
    await expectHopRefusal(PROCESS_API, response, {
      status: 401,
      code: 'ZT_ERR_TOKEN_FORWARDED',
      reason: 'token.forwarded_unchanged',
      boundary: 'TB05',
    })
  })

  test('the exchanged token itself, sent by the workload it was issued to, passes (control)', async ({
    katie,
  }) => {
    const [, forFulfillment = ''] = await chainTokens(katie, [
      { by: 'gateway', audience: 'my-shopping-api' },
      { by: 'my-shopping-api', audience: PROCESS_API, scope: 'orders:read' },
    ])
    const response = await callInternal(PROCESS_API, experience, {
      path: '/orders',
      token: forFulfillment,
    })
    expect(response.status, response.text).toBe(200)
    const records = await auditRecordsOf(response.traceId, PROCESS_API)
    expect(records.map((r) => `${r.decision} ${r.reason}`)).toEqual(['allow access.granted'])
  })
})
