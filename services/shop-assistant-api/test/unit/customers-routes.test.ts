/**
 * TB11 at the API: sales associates with MFA look customers up and register them; without MFA an
 * RFC 9470 step-up challenge; a shopper's token 403; each refusal with its status, problem code
 * and audit reason, one audit record per decision. customers-api is a test double on the same
 * hop kit, so it verifies the exchanged token it receives.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { createAuditLogger } from '@mythical/audit'
import { ACR_MFA, ACR_PASSWORD, AMR_MFA, AMR_PASSWORD } from '@mythical/stack'
import {
  assertDenied,
  createHopTestClient,
  createTestIssuer,
  createTestSecrets,
  startTestHop,
  testServiceEnv,
} from '@mythical/service-kit/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

const idp = await createTestIssuer()
const api = await createTestSecrets('shop-assistant-api')
const gateway = await createTestSecrets('gateway', { ca: api.ca })
const web = await createTestSecrets('web', { ca: api.ca })
const customers = await startTestHop('customers-api', {
  ca: api.ca,
  idp,
  routes: (app) => {
    app.get<{ Querystring: { q: string } }>(
      '/customers',
      { config: { access: { scopes: ['customers:read'] } } },
      async (r) => ({
        customers: [
          { sub: 'katie', name: 'Katie', email: 'katie@example.com', loyaltyPoints: 12, row: 1 },
        ].filter((c) => c.name.toLowerCase().includes(r.query.q.toLowerCase())),
      }),
    )
    app.post(
      '/customers',
      { config: { access: { scopes: ['customers:write'] } } },
      async (_r, reply) => reply.code(201).send({ sub: 'c-new', username: 'carla', extra: true }),
    )
  },
})
const records: Record<string, unknown>[] = []
const app = await buildApp(
  loadServiceConfig(
    testServiceEnv('shop-assistant-api', api.dir, {
      IDP_ISSUER: idp.issuer,
      IDP_URL: 'https://127.0.0.1:1',
      CUSTOMERS_API_URL: customers.url,
    }),
  ),
  {
    keys: idp.keys,
    tokens: idp.tokenClient(api.identity),
    audit: createAuditLogger({
      service: 'shop-assistant-api',
      level: 'warn',
      destination: {
        write: (line: string) => {
          const parsed = JSON.parse(line) as Record<string, unknown>
          if (parsed.audit === true) records.push(parsed)
        },
      },
    }),
  },
)
await app.listen({ host: '127.0.0.1', port: 0 })
const url = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`
const client = createHopTestClient(
  url,
  { gateway: gateway.identity, web: web.identity },
  () => records,
)

after(async () => {
  await client.close()
  await app.close()
  await customers.close()
  for (const s of [api, gateway, web]) s.cleanup()
})

/** The gateway's phantom JWT: Sam signed in with password + TOTP unless told otherwise. */
const phantom = (claims: Partial<Parameters<typeof idp.mint>[0]> = {}) =>
  idp.mint({
    audience: 'shop-assistant-api',
    boundTo: gateway.identity,
    sub: 'sam',
    clientId: 'gateway',
    scope: 'customers:read customers:write',
    groups: ['sales-associate'],
    acr: ACR_MFA,
    amr: AMR_MFA,
    act: { sub: gateway.identity.spiffeId },
    ...claims,
  })

async function call(...args: Parameters<typeof client.call>) {
  const res = await client.call(...args)
  assert.equal(res.records.length, 1, 'one audit record per decision')
  return { ...res, record: res.records[0] ?? {} }
}

const NEW_CUSTOMER = { name: 'Carla', email: 'carla@example.com' }

describe('a sales associate with MFA', () => {
  it('GET /assistant/customers?q=: the matches, contract fields only', async () => {
    const res = await call('GET', '/assistant/customers?q=kat', { token: await phantom() })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {
      customers: [{ sub: 'katie', name: 'Katie', email: 'katie@example.com', loyaltyPoints: 12 }],
    })
    assert.equal(res.record.reason, 'access.granted')
    assert.equal(res.record.boundary, 'TB04')
    assert.equal(res.record.subject, 'sam')
    const seen = customers.seen()
    assert.equal(seen?.subject, 'sam')
    assert.deepEqual(seen?.scopes, ['customers:read'])
    assert.deepEqual(seen?.act, {
      sub: 'spiffe://retail.mythical.example/shop-assistant-api',
      act: { sub: 'spiffe://retail.mythical.example/gateway' },
    })
  })

  it('POST /assistant/customers: 201 { sub, username }, exchanged with customers:write only', async () => {
    const res = await call('POST', '/assistant/customers', {
      token: await phantom(),
      body: NEW_CUSTOMER,
    })
    assert.equal(res.status, 201)
    assert.deepEqual(res.body, { sub: 'c-new', username: 'carla' })
    assert.deepEqual(customers.seen()?.scopes, ['customers:write'])
    assert.deepEqual(customers.seen()?.body, NEW_CUSTOMER)
  })

  it('a search without q: 400', async () => {
    const res = await call('GET', '/assistant/customers', { token: await phantom() })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'ZT_ERR_VALIDATION')
  })

  it('a registration without a valid email: 400, nothing sent on', async () => {
    customers.reset()
    const res = await call('POST', '/assistant/customers', {
      token: await phantom(),
      body: { name: 'Carla', email: 'not-an-email' },
    })
    assert.equal(res.status, 400)
    assert.equal(customers.seen(), undefined)
  })
})

describe('refusals (TB11)', () => {
  for (const [method, path] of [
    ['GET', '/assistant/customers?q=kat'],
    ['POST', '/assistant/customers'],
  ] as const) {
    const body = method === 'POST' ? { body: NEW_CUSTOMER } : {}

    it(`${method}: a sales associate without MFA gets an RFC 9470 step-up challenge`, async () => {
      const token = await phantom({ acr: ACR_PASSWORD, amr: AMR_PASSWORD })
      const res = await call(method, path, { token, ...body })
      assertDenied(res, 401, 'ZT_ERR_STEP_UP_REQUIRED', 'acr.insufficient')
      // The user's sign-in is what failed, not the gateway's hop: audited on staff ↔ shop-assistant.
      assert.equal(res.records[0]?.boundary, 'TB11')
      assert.equal(
        res.headers['www-authenticate'],
        'Bearer error="insufficient_user_authentication", ' +
          'error_description="A stronger authentication is required", ' +
          `acr_values="${ACR_MFA}"`,
      )
    })

    it(`${method}: MFA claimed by acr but amr without mfa: step-up`, async () => {
      const res = await call(method, path, { token: await phantom({ amr: AMR_PASSWORD }), ...body })
      assertDenied(res, 401, 'ZT_ERR_STEP_UP_REQUIRED', 'acr.insufficient')
    })

    it(`${method}: a shopper's token: 403, never a step-up`, async () => {
      const token = await phantom({
        sub: 'katie',
        groups: [],
        acr: ACR_PASSWORD,
        amr: AMR_PASSWORD,
      })
      const res = await call(method, path, { token, ...body })
      assertDenied(res, 403, 'ZT_ERR_ROLE_REQUIRED', 'role.missing')
      assert.equal(res.record.subject, 'katie')
    })

    it(`${method}: a direct call bypassing the gateway: 403`, async () => {
      const res = await call(method, path, {
        as: 'web',
        token: await phantom({ boundTo: web.identity }),
        ...body,
      })
      assertDenied(res, 403, 'ZT_ERR_PEER_NOT_ALLOWED', 'mtls.peer_not_allowed')
    })

    it(`${method}: no token: 401`, async () => {
      assertDenied(await call(method, path, body), 401, 'ZT_ERR_TOKEN_MISSING', 'token.missing')
    })
  }

  it('registration with a read-only token: 403 insufficient scope', async () => {
    const res = await call('POST', '/assistant/customers', {
      token: await phantom({ scope: 'customers:read' }),
      body: NEW_CUSTOMER,
    })
    assertDenied(res, 403, 'ZT_ERR_INSUFFICIENT_SCOPE', 'scope.insufficient')
  })

  it("a token for my-shopping-api (another experience API's audience): 401", async () => {
    const res = await call('GET', '/assistant/customers?q=kat', {
      token: await phantom({ audience: 'my-shopping-api' }),
    })
    assertDenied(res, 401, 'ZT_ERR_TOKEN_AUDIENCE', 'token.audience')
  })
})
