/**
 * The hop kit over real mutual TLS: customers-api built with `createHopService`, a test issuer
 * in place of the IdP. The legitimate call passes; each attack of TB05/TB06/TB11 is refused with
 * its status, problem code and audit reason, and every request writes exactly one audit record.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { runWithTraceContext, parseTraceparent } from '@mythical/audit'
import { createIssuerKeySet, OAuthKitError } from '@mythical/oauth'
import type { FastifyInstance } from 'fastify'
import { createHopService, requireAuthentication, requireGroup } from '../../src/index.ts'
import type { HopKit } from '../../src/index.ts'
import {
  assertDenied,
  createHopTestClient,
  createTestIssuer,
  createTestSecrets,
} from '../../src/testing/index.ts'
import { captureAudit } from '../helpers/capture-audit.ts'
import { callAs, closeAgents } from '../helpers/tls-client.ts'

const MFA = 'urn:mythical:acr:mfa'
const spiffe = (name: string) => `spiffe://retail.mythical.example/${name}`

const idp = await createTestIssuer()
const customersApi = await createTestSecrets('customers-api')
const ca = { ca: customersApi.ca }
const shopping = await createTestSecrets('my-shopping-api', ca)
const assistant = await createTestSecrets('shop-assistant-api', ca)
const gateway = await createTestSecrets('gateway', ca)
const orders = await createTestSecrets('orders-api', ca)

const captured = captureAudit('customers-api')
let app: FastifyInstance
let base: string

/** A hop service as workload `secrets`, the test issuer in place of the IdP. */
const hopService = (
  secrets: typeof shopping,
  options: Partial<Parameters<typeof createHopService>[0]> = {},
) =>
  createHopService({
    name: secrets.identity.spiffeId.split('/').at(-1) ?? '',
    identity: secrets.identity,
    audit: captureAudit().audit,
    idp: { issuer: idp.issuer, url: 'https://127.0.0.1:1' },
    keys: idp.keys,
    ...options,
  })

/** The token my-shopping-api holds after exchanging the gateway's phantom token. */
const exchanged = (claims: Partial<Parameters<typeof idp.mint>[0]> = {}) =>
  idp.mint({
    audience: 'customers-api',
    boundTo: shopping.identity,
    scope: 'customers:read',
    clientId: 'my-shopping-api',
    act: { sub: spiffe('my-shopping-api'), act: { sub: spiffe('gateway') } },
    ...claims,
  })

let client: ReturnType<typeof createHopTestClient>

/** GET `path` as `as` with `token`: exactly one audit record, returned as `record`. */
async function callOnce(as: typeof shopping, path: string, token?: string) {
  const name = as.identity.spiffeId.split('/').at(-1) ?? ''
  const res = await client.call('GET', path, { as: name, ...(token ? { token } : {}) })
  assert.equal(res.records.length, 1, 'exactly one audit record per request')
  return { ...res, record: res.records[0] ?? {} }
}

before(async () => {
  ;({ app } = await hopService(customersApi, { audit: captured.audit }))
  app.get(
    '/customers/me',
    { config: { access: { scopes: ['customers:read'], callers: ['my-shopping-api'] } } },
    async (request) => ({ sub: request.access?.subject, act: request.access?.act }),
  )
  app.get(
    '/customers',
    {
      config: {
        access: {
          scopes: ['customers:read'],
          callers: ['shop-assistant-api'],
          checks: [requireGroup('sales-associate'), requireAuthentication({ acrValues: [MFA] })],
        },
      },
    },
    async () => ({ customers: [] }),
  )
  app.get('/customers/big', { config: { access: { scopes: ['customers:read'] } } }, async () => ({
    blob: 'x'.repeat(1_100_000),
  }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  base = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const callers = { shopping, assistant, orders }
  client = createHopTestClient(
    base,
    Object.fromEntries(
      Object.values(callers).map((s) => [s.identity.spiffeId.split('/').at(-1) ?? '', s.identity]),
    ),
    captured.records,
  )
})
after(async () => {
  await closeAgents()
  await client.close()
  await app.close()
  for (const s of [customersApi, shopping, assistant, gateway, orders]) s.cleanup()
})

describe('inbound: caller, token, binding, scope', () => {
  it('the legitimate hop passes, one allow record with the whole story', async () => {
    const res = await callOnce(shopping, '/customers/me', await exchanged())
    assert.equal(res.status, 200)
    assert.equal(res.body.sub, 'katie')
    assert.equal(res.record.decision, 'allow')
    assert.equal(res.record.reason, 'access.granted')
    assert.equal(res.record.boundary, 'TB06')
    assert.equal(res.record.caller, spiffe('my-shopping-api'))
    assert.equal(res.record.subject, 'katie')
    assert.equal(res.record.client, 'my-shopping-api')
    assert.equal(res.record.audience, 'https://customers-api.retail.mythical.example')
    assert.equal(res.record.scope, 'customers:read')
    assert.deepEqual(res.record.act, {
      sub: spiffe('my-shopping-api'),
      act: { sub: spiffe('gateway') },
    })
  })

  it('a caller outside the call graph: 403 before any token check', async () => {
    const res = await callOnce(
      orders,
      '/customers/me',
      await exchanged({ boundTo: orders.identity }),
    )
    assertDenied(res, 403, 'ZT_ERR_PEER_NOT_ALLOWED', 'mtls.peer_not_allowed')
    assert.equal(res.record.caller, spiffe('orders-api'))
  })

  it('a caller of the service, but not of this route: 403', async () => {
    const token = await exchanged({ boundTo: assistant.identity })
    const res = await callOnce(assistant, '/customers/me', token)
    assertDenied(res, 403, 'ZT_ERR_PEER_NOT_ALLOWED', 'mtls.peer_not_allowed')
  })

  it('no token: 401 with a Bearer challenge', async () => {
    const res = await callOnce(shopping, '/customers/me')
    assertDenied(res, 401, 'ZT_ERR_TOKEN_MISSING', 'token.missing')
    assert.equal(res.headers['www-authenticate'], 'Bearer')
  })

  const refusedTokens: [string, () => Promise<string>, number, string, string][] = [
    [
      // What the gateway gave my-shopping-api: audience my-shopping-api, bound to the gateway.
      'the user token replayed unchanged to the next hop',
      () =>
        idp.mint({
          audience: 'my-shopping-api',
          boundTo: gateway.identity,
          scope: 'customers:read',
        }),
      401,
      'ZT_ERR_TOKEN_FORWARDED',
      'token.forwarded_unchanged',
    ],
    [
      'a token for another audience',
      () => exchanged({ audience: 'orders-api' }),
      401,
      'ZT_ERR_TOKEN_AUDIENCE',
      'token.audience',
    ],
    [
      "a token bound to another workload's certificate",
      () => exchanged({ boundTo: gateway.identity }),
      401,
      'ZT_ERR_TOKEN_NOT_BOUND',
      'cnf.certificate_mismatch',
    ],
    [
      'a token bound to no certificate (a bearer token)',
      () => idp.mint({ audience: 'customers-api', scope: 'customers:read' }),
      401,
      'ZT_ERR_TOKEN_NOT_BOUND',
      'cnf.missing',
    ],
    [
      'an expired token',
      () => exchanged({ expiresIn: -60 }),
      401,
      'ZT_ERR_TOKEN_INVALID',
      'token.expired',
    ],
  ]
  for (const [name, token, status, code, reason] of refusedTokens) {
    it(`${name}: ${status} ${code}`, async () => {
      const res = await callOnce(shopping, '/customers/me', await token())
      assertDenied(res, status, code, reason)
      assert.match(String(res.headers['www-authenticate']), /^Bearer error="invalid_token"/)
    })
  }

  it('a missing scope: 403 insufficient_scope, subject audited', async () => {
    const res = await callOnce(shopping, '/customers/me', await exchanged({ scope: 'orders:read' }))
    assertDenied(res, 403, 'ZT_ERR_INSUFFICIENT_SCOPE', 'scope.insufficient')
    assert.equal(
      res.headers['www-authenticate'],
      'Bearer error="insufficient_scope", scope="customers:read"',
    )
    assert.equal(res.record.subject, 'katie')
  })

  it('no client certificate at all: 401 (the plugin never trusts a missing peer)', async () => {
    const before = captured.records().length
    const res = await app.inject({ method: 'GET', url: '/customers/me' })
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().code, 'ZT_ERR_MTLS_REQUIRED')
    assert.equal(
      captured.records().slice(before).at(-1)?.reason,
      'mtls.client_certificate_required',
    )
  })
})

describe('claim checks: role and step-up (TB11)', () => {
  const staffToken = (claims: Partial<Parameters<typeof idp.mint>[0]>) =>
    exchanged({ boundTo: assistant.identity, sub: 'sam', ...claims })

  it('a sales associate with MFA passes', async () => {
    const token = await staffToken({
      groups: ['sales-associate'],
      acr: MFA,
      amr: ['pwd', 'otp', 'mfa'],
    })
    const res = await callOnce(assistant, '/customers', token)
    assert.equal(res.status, 200)
    assert.equal(res.record.reason, 'access.granted')
  })

  it('a sales associate without MFA: 401 RFC 9470 step-up challenge', async () => {
    const token = await staffToken({ groups: ['sales-associate'], acr: 'urn:mythical:acr:pwd' })
    const res = await callOnce(assistant, '/customers', token)
    assertDenied(res, 401, 'ZT_ERR_STEP_UP_REQUIRED', 'acr.insufficient')
    assert.match(
      String(res.headers['www-authenticate']),
      /^Bearer error="insufficient_user_authentication"/,
    )
    assert.match(String(res.headers['www-authenticate']), /acr_values="urn:mythical:acr:mfa"/)
  })

  it("a shopper's token: 403 role required", async () => {
    const token = await staffToken({ sub: 'katie', acr: MFA })
    const res = await callOnce(assistant, '/customers', token)
    assertDenied(res, 403, 'ZT_ERR_ROLE_REQUIRED', 'role.missing')
  })
})

describe('fail closed and deny by default', () => {
  it('issuer keys unreachable: 503, audited as jwks.unavailable', async () => {
    const down = captureAudit('customers-api')
    const { app: closed } = await hopService(customersApi, {
      audit: down.audit,
      keys: createIssuerKeySet({
        jwksUri: 'https://127.0.0.1:1/jwks',
        caPem: customersApi.ca.certPem,
        timeoutMs: 500,
      }),
    })
    closed.get(
      '/customers/me',
      { config: { access: { scopes: ['customers:read'] } } },
      async () => ({}),
    )
    await closed.listen({ host: '127.0.0.1', port: 0 })
    try {
      const port = (closed.server.address() as AddressInfo).port
      const res = await callAs(shopping.identity, `https://127.0.0.1:${port}/customers/me`, {
        authorization: `Bearer ${await exchanged()}`,
      })
      assert.equal(res.status, 503)
      assert.equal(res.body.code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')
      assert.equal(down.records().at(-1)?.reason, 'jwks.unavailable')
    } finally {
      await closed.close()
    }
  })

  it('a route without an access rule fails at boot', async () => {
    const { app: strict } = await hopService(customersApi)
    assert.throws(() => strict.get('/open', async () => ({})), /"config.access" is required/)
    assert.throws(
      () =>
        strict.get(
          '/x',
          { config: { access: { scopes: [], callers: ['orders-api'] } } },
          async () => ({}),
        ),
      /not a caller of customers-api/,
    )
    await strict.close()
  })
})

describe('outbound: the downstream client', () => {
  let hop: HopKit
  let tokens: ReturnType<typeof idp.tokenClient>
  let shoppingApp: FastifyInstance

  before(async () => {
    tokens = idp.tokenClient(shopping.identity)
    ;({ app: shoppingApp, hop } = await hopService(shopping, {
      tokens,
      targets: { 'customers-api': base },
    }))
  })
  after(() => shoppingApp.close())

  it('exchanges the user token for the target and calls it over mTLS, trace continued', async () => {
    const phantom = await idp.mint({
      audience: 'my-shopping-api',
      boundTo: gateway.identity,
      scope: 'customers:read orders:read',
      act: { sub: spiffe('gateway') },
    })
    const trace = parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
    assert.ok(trace)
    const res = await runWithTraceContext(trace, () =>
      hop.downstream.callService('customers-api', '/customers/me', {
        subjectToken: phantom,
        scope: 'customers:read',
      }),
    )
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {
      sub: 'katie',
      act: { sub: spiffe('my-shopping-api'), act: { sub: spiffe('gateway') } },
    })
    assert.deepEqual(
      tokens.requests.at(-1),
      'exchange https://customers-api.retail.mythical.example customers:read',
    )
    const record = captured.records().at(-1)
    assert.equal(record?.traceId, '0af7651916cd43dd8448eb211c80319c')
    assert.equal(record?.reason, 'access.granted')
  })

  it('a target the call graph does not allow is refused at boot', async () => {
    await assert.rejects(
      hopService(shopping, {
        tokens,
        targets: { 'orders-api': base },
      }),
      /may not call "orders-api"/,
    )
  })

  it('an unreachable target: 503 problem', async () => {
    const { app: lonely, hop: kit } = await hopService(shopping, {
      tokens,
      targets: { 'customers-api': 'https://127.0.0.1:1' },
    })
    try {
      await assert.rejects(
        kit.downstream.callService('customers-api', '/customers/me', {
          subjectToken: await exchanged(),
          scope: 'customers:read',
        }),
        (err: { code?: string; status?: number }) =>
          err.code === 'ZT_ERR_DEPENDENCY_UNAVAILABLE' && err.status === 503,
      )
    } finally {
      await lonely.close()
    }
  })

  const refusingIdp = (error: OAuthKitError) => ({
    exchangeTokenFor: () => Promise.reject(error),
    clientCredentialsFor: () => Promise.reject(error),
  })
  const idpAnswers: [string, OAuthKitError, number, string][] = [
    [
      'the IdP refuses the delegation (e.g. a wider scope)',
      new OAuthKitError('authorization_server.refused', 'refused', { oauthError: 'invalid_scope' }),
      403,
      'ZT_ERR_DELEGATION_REFUSED',
    ],
    [
      'the IdP is unreachable',
      new OAuthKitError('authorization_server.unavailable', 'down'),
      503,
      'ZT_ERR_DEPENDENCY_UNAVAILABLE',
    ],
  ]
  for (const [name, error, status, code] of idpAnswers) {
    it(`${name}: ${status} ${code}, the target never called`, async () => {
      const { app: refused, hop: kit } = await hopService(shopping, {
        tokens: refusingIdp(error),
        targets: { 'customers-api': base },
      })
      const before = captured.records().length
      try {
        await assert.rejects(
          kit.downstream.callService('customers-api', '/customers/me', {
            subjectToken: await exchanged(),
            scope: 'customers:write',
          }),
          (err: { code?: string; status?: number }) => err.code === code && err.status === status,
        )
        assert.equal(captured.records().length, before)
      } finally {
        await refused.close()
      }
    })
  }

  it('an answer over 1 MiB is abandoned: 503', async () => {
    await assert.rejects(
      hop.downstream.callService('customers-api', '/customers/big', {
        subjectToken: await exchanged(),
        scope: 'customers:read',
      }),
      (err: { code?: string }) => err.code === 'ZT_ERR_DEPENDENCY_UNAVAILABLE',
    )
  })

  it('a callee of the graph without a URL: 503 when called', async () => {
    const { app: partial, hop: kit } = await hopService(shopping, {
      tokens,
      targets: { 'customers-api': undefined },
    })
    try {
      await assert.rejects(
        kit.downstream.callService('customers-api', '/customers/me', {
          subjectToken: await exchanged(),
          scope: 'customers:read',
        }),
        (err: { code?: string }) => err.code === 'ZT_ERR_DEPENDENCY_UNAVAILABLE',
      )
    } finally {
      await partial.close()
    }
  })
})
