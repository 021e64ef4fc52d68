/**
 * TB11, API side — staff ↔ shop-assistant-api. Sam signs in for real with password + TOTP at the
 * staff client and, through the gateway, looks customers up (200) and registers one (201). The
 * refusals, each with status, problem code and the deciding component's audit reason:
 *
 * - Katie's shopper token at `/assistant` is stopped by the gateway (client-id enforcement: only
 *   the staff client's tokens reach the staff API).
 * - Behind the gateway, shop-assistant-api does not rely on that: Katie's token, exchanged by the
 *   gateway's own client, is refused for the missing `sales-associate` role (403, no step-up
 *   offered — she could never pass one).
 * - A sales associate without MFA: the IdP's staff client demands TOTP of every sign-in, so such
 *   a token cannot come through the front door at all. A throw-away associate without a second
 *   factor, signed in with the password at the shopper client, holds the one real IdP token of
 *   that kind; exchanged by the gateway's client and presented by the gateway's workload, it gets
 *   the RFC 9470 step-up challenge.
 */
import { randomUUID } from 'node:crypto'
import { ACR_MFA } from '@mythical/stack'
import { auditRecordsOf } from '../support/audit-log.ts'
import { callWithDpop, expectRefusal } from '../support/gateway-call.ts'
import { expect, test } from '../support/fixtures.ts'
import { agentOf, callInternal, chainTokens, expectHopRefusal } from '../support/internal-call.ts'
import { answerTraceId } from '../support/orders.ts'
import { createAssociateWithoutMfa, signInSam, signInWithPasswordOnly } from '../support/staff.ts'
import type { ShopperSession } from '../support/shopper.ts'

const API = 'shop-assistant-api'
const CUSTOMERS = '/assistant/customers'

test.describe('TB11 staff ↔ shop-assistant-api', () => {
  let sam: ShopperSession
  test.beforeAll(async () => {
    test.setTimeout(60_000)
    sam = await signInSam()
  })

  test('Sam with MFA looks customers up through the gateway (200)', async ({ edge }) => {
    const response = await callWithDpop(edge, { path: `${CUSTOMERS}?q=kat`, session: sam })
    expect(response.status, response.text).toBe(200)
    const { customers } = response.json<{ customers: Record<string, unknown>[] }>()
    expect(customers.length).toBeGreaterThan(0)
    for (const customer of customers) {
      expect(Object.keys(customer).sort()).toEqual(['email', 'loyaltyPoints', 'name', 'sub'])
    }
    expect(customers.map((c) => c.sub)).toContain('katie')
    const records = await auditRecordsOf(answerTraceId(response), API)
    expect(records.map((r) => `${r.decision} ${r.reason} ${String(r.subject)}`)).toEqual([
      'allow access.granted sam',
    ])
  })

  test('Sam with MFA registers a customer through the gateway (201)', async ({ edge }) => {
    const email = `e2e-${randomUUID()}@example.com`
    const response = await callWithDpop(edge, {
      method: 'POST',
      path: CUSTOMERS,
      session: sam,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'E2E Customer', email }),
    })
    expect(response.status, response.text).toBe(201)
    const created = response.json<{ sub: string; username: string }>()
    expect(created.sub).toBeTruthy()
    expect(created.username).toBeTruthy()
  })

  test('Katie’s shopper token at the staff API: the gateway refuses her client', async ({
    edge,
    katie,
  }) => {
    const response = await callWithDpop(edge, { path: `${CUSTOMERS}?q=kat`, session: katie })
    await expectRefusal(response, {
      status: 403,
      code: 'ZT_ERR_CLIENT_NOT_ALLOWED',
      reason: 'client.not_allowed',
      secrets: [katie.accessToken],
    })
  })

  test('Katie’s token behind the gateway: 403 for the missing role, no step-up offered', async ({
    katie,
  }) => {
    const [forAssistant = ''] = await chainTokens(katie, [{ by: 'gateway', audience: API }])
    const gateway = agentOf('gateway')
    try {
      const response = await callInternal(API, gateway, {
        path: `${CUSTOMERS}?q=kat`,
        token: forAssistant,
      })
      const record = await expectHopRefusal(API, response, {
        status: 403,
        code: 'ZT_ERR_ROLE_REQUIRED',
        reason: 'role.missing',
      })
      expect(record.subject).toBe('katie')
      expect(response.headers['www-authenticate']).toBeUndefined()
    } finally {
      await gateway.close()
    }
  })

  test('a sales associate without MFA: 401 with the RFC 9470 step-up challenge', async () => {
    test.setTimeout(60_000)
    const associate = await createAssociateWithoutMfa()
    const gateway = agentOf('gateway')
    try {
      const session = await signInWithPasswordOnly(associate)
      const [forAssistant = ''] = await chainTokens(session, [{ by: 'gateway', audience: API }])
      const response = await callInternal(API, gateway, {
        path: `${CUSTOMERS}?q=kat`,
        token: forAssistant,
      })
      const record = await expectHopRefusal(API, response, {
        status: 401,
        code: 'ZT_ERR_STEP_UP_REQUIRED',
        reason: 'acr.insufficient',
      })
      expect(record.subject).toBe(associate.username)
      expect(response.headers['www-authenticate']).toBe(
        'Bearer error="insufficient_user_authentication", ' +
          'error_description="A stronger authentication is required", ' +
          `acr_values="${ACR_MFA}"`,
      )
    } finally {
      await gateway.close()
      await associate.remove()
    }
  })
})
