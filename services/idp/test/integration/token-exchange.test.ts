/**
 * TB05/TB06/TB10 — token exchange (RFC 8693) along the call graph, and client credentials:
 * narrowing works and `act` nests; widening, an audience outside the call graph, an expired or a
 * foreign-issuer subject token are refused (status, OAuth error, audit reason).
 */
import assert from 'node:assert/strict'
import { X509Certificate, createHash } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import {
  SignJWT,
  createLocalJWKSet,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
} from 'jose'
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPE } from '@mythical/oauth'
import {
  assertDenied,
  newTrace,
  recordsOf,
  type Trace,
  request,
  workloadCert,
  type Response,
  redeemCode,
  signIn,
  type TokenSet,
  clientAuth,
  dpopKey,
  secretJwk,
  requireStack,
} from '@mythical/testing'
import { PARTNER_ISSUER, startIdp } from './support/idp-server.ts'
import type { RunningIdp } from './support/idp-server.ts'

const GRANT = TOKEN_EXCHANGE_GRANT
const ACCESS_TOKEN = TOKEN_TYPE.accessToken
const resource = (service: string, domain = 'retail') =>
  `https://${service}.${domain}.mythical.example`
const spiffe = (service: string) => `spiffe://retail.mythical.example/${service}`

let run: RunningIdp
/** Katie's opaque gateway token, as the web BFF holds it… */
let katieGatewayToken: string
/** …and the DPoP key it is bound to (`cnf.jkt`). */
let katieDpop: Awaited<ReturnType<typeof dpopKey>>

before(async () => {
  requireStack()
  run = await startIdp()
  const signedIn = await signIn(run.issuer, { username: 'katie', password: 'katie-loves-shopping' })
  katieDpop = await dpopKey()
  const res = await redeemCode(run.issuer, signedIn, {}, katieDpop)
  assert.equal(res.status, 200, res.text)
  katieGatewayToken = res.json<TokenSet>().access_token
})

/** web (private_key_jwt) exchanges a token at the edge listener, with `headers` (e.g. DPoP). */
async function webExchange(
  subjectToken: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return request(`${run.issuer}/token`, {
    headers,
    form: {
      ...(await clientAuth('web', run.issuer)),
      grant_type: GRANT,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN,
      ...params,
    },
  })
}

/** What the gateway learns by introspecting a token (RFC 7662). */
async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await request(`${run.mtlsUrl}/token/introspection`, {
    as: 'gateway',
    headers: { accept: 'application/json' },
    form: { client_id: 'gateway', token },
  })
  assert.equal(res.status, 200, res.text)
  return res.json()
}
after(() => run.stop())

/** A workload exchanges a token over the mTLS alias with its own certificate. */
function exchange(
  as: string,
  subjectToken: string,
  params: Record<string, string>,
  trace: Trace = newTrace(),
): Promise<Response> {
  return request(`${run.mtlsUrl}/token`, {
    as,
    headers: trace.headers,
    form: {
      client_id: as,
      grant_type: GRANT,
      subject_token: subjectToken,
      subject_token_type: ACCESS_TOKEN,
      ...params,
    },
  })
}

/**
 * The request of `trace` was refused for `reason` on `boundary`; the subject token is not in the
 * record. A refused token exchange is audited on the delegation boundary it guards (TB05); other
 * token-endpoint refusals (client credentials, client authentication) on TB02.
 */
function audited(trace: Trace, reason: string, boundary: 'TB02' | 'TB05', subjectToken?: string) {
  assertDenied(run, trace, {
    reason,
    boundary,
    secrets: subjectToken ? [subjectToken] : [],
  })
}

const thumbprint = (service: string) =>
  createHash('sha256')
    .update(new X509Certificate(workloadCert(service).cert).raw)
    .digest('base64url')

/** Verify a JWT access token against the IdP's published `/jwks` (fetched over verified TLS). */
async function verified(token: string, audience: string) {
  const res = await request(`${run.issuer}/jwks`)
  return jwtVerify(token, createLocalJWKSet(res.json()), {
    issuer: run.issuer,
    audience,
    typ: 'at+jwt',
    algorithms: ['ES256'],
  })
}

describe('token exchange along the call graph', () => {
  test('gateway → my-shopping-api → order-fulfillment-api → orders-api: scopes narrow, act nests', async () => {
    const traces = [newTrace(), newTrace(), newTrace()] as const
    const hop1 = await exchange(
      'gateway',
      katieGatewayToken,
      { resource: resource('my-shopping-api'), scope: 'orders:read orders:write customers:read' },
      traces[0],
    )
    assert.equal(hop1.status, 200, hop1.text)
    const t1 = hop1.json<TokenSet & { issued_token_type: string }>()
    assert.equal(t1.issued_token_type, ACCESS_TOKEN)
    const { payload: c1, protectedHeader } = await verified(
      t1.access_token,
      resource('my-shopping-api'),
    )
    assert.equal(protectedHeader.typ, 'at+jwt')
    assert.equal(c1.sub, 'katie')
    assert.equal(c1.scope, 'orders:read orders:write customers:read')
    assert.deepEqual(c1.act, { sub: spiffe('gateway') })
    assert.equal(c1.acr, 'urn:mythical:acr:pwd')
    assert.deepEqual(c1.cnf, { 'x5t#S256': thumbprint('gateway') })

    const hop2 = await exchange(
      'my-shopping-api',
      t1.access_token,
      { resource: resource('order-fulfillment-api'), scope: 'orders:write' },
      traces[1],
    )
    assert.equal(hop2.status, 200, hop2.text)
    const { payload: c2 } = await verified(
      hop2.json<TokenSet>().access_token,
      resource('order-fulfillment-api'),
    )
    assert.equal(c2.scope, 'orders:write')
    assert.deepEqual(c2.act, { sub: spiffe('my-shopping-api'), act: { sub: spiffe('gateway') } })

    const hop3 = await exchange(
      'order-fulfillment-api',
      hop2.json<TokenSet>().access_token,
      { resource: resource('orders-api') },
      traces[2],
    )
    assert.equal(hop3.status, 200, hop3.text)
    const { payload: c3 } = await verified(
      hop3.json<TokenSet>().access_token,
      resource('orders-api'),
    )
    assert.equal(c3.sub, 'katie')
    assert.equal(c3.scope, 'orders:write')
    assert.deepEqual(c3.act, {
      sub: spiffe('order-fulfillment-api'),
      act: { sub: spiffe('my-shopping-api'), act: { sub: spiffe('gateway') } },
    })
    const callers = ['gateway', 'my-shopping-api', 'order-fulfillment-api']
    traces.forEach((trace, hop) => {
      const issued = recordsOf(run, trace).filter((r) => r.reason === 'token_exchange.issued')
      assert.equal(issued.length, 1, `hop ${hop + 1} is audited once`)
      assert.equal(issued[0]?.decision, 'allow')
      assert.equal(issued[0]?.boundary, 'TB05')
      assert.equal(issued[0]?.caller, spiffe(callers[hop] ?? ''))
      assert.equal(issued[0]?.subject, 'katie')
    })
  })

  test('web exchanges Katie token for a partner-audience JWT signed with the published keys', async () => {
    const res = await webExchange(
      katieGatewayToken,
      { resource: PARTNER_ISSUER, scope: 'tracking:read' },
      { dpop: await katieDpop.proof('POST', `${run.issuer}/token`) },
    )
    assert.equal(res.status, 200, res.text)
    const { payload } = await verified(res.json<TokenSet>().access_token, PARTNER_ISSUER)
    assert.equal(payload.sub, 'katie')
    assert.equal(payload.scope, 'tracking:read')
    assert.equal(payload.client_id, 'web')
    assert.equal(typeof (payload.cnf as { jkt?: unknown }).jkt, 'string', 'DPoP-bound like web')
  })

  test('widening the scopes is refused', async () => {
    const hop1 = await exchange('gateway', katieGatewayToken, {
      resource: resource('my-shopping-api'),
      scope: 'orders:read',
    })
    assert.equal(hop1.status, 200, hop1.text)
    const subjectToken = hop1.json<TokenSet>().access_token
    const trace = newTrace()
    const res = await exchange(
      'my-shopping-api',
      subjectToken,
      { resource: resource('order-fulfillment-api'), scope: 'orders:read orders:write' },
      trace,
    )
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_scope')
    audited(trace, 'token_exchange.scope_widening', 'TB05', subjectToken)
  })

  test('an audience outside the call graph is refused', async () => {
    const trace = newTrace()
    const res = await exchange(
      'gateway',
      katieGatewayToken,
      { resource: resource('orders-api') },
      trace,
    )
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_target')
    audited(trace, 'token_exchange.audience_not_allowed', 'TB05', katieGatewayToken)
  })

  test('a target is required', async () => {
    const trace = newTrace()
    const res = await exchange('gateway', katieGatewayToken, {}, trace)
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_target')
    audited(trace, 'token_exchange.target_missing', 'TB05', katieGatewayToken)
  })

  test('a token meant for someone else cannot be exchanged by the caller', async () => {
    // Katie's gateway token replayed by my-shopping-api (TB05: user token replayed downstream).
    const trace = newTrace()
    const res = await exchange(
      'my-shopping-api',
      katieGatewayToken,
      { resource: resource('customers-api') },
      trace,
    )
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_grant')
    audited(trace, 'token_exchange.subject_not_for_caller', 'TB05', katieGatewayToken)
  })

  test('an expired subject token is refused', async () => {
    const jwk = JSON.parse(JSON.stringify(secretJwk('idp')))
    const past = Math.floor(Date.now() / 1000) - 3600
    const expired = await new SignJWT({ scope: 'orders:read', client_id: 'gateway' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid })
      .setIssuer(run.issuer)
      .setSubject('katie')
      .setAudience(resource('my-shopping-api'))
      .setIssuedAt(past - 300)
      .setExpirationTime(past)
      .sign(await importJWK(jwk, 'ES256'))
    const trace = newTrace()
    const res = await exchange(
      'my-shopping-api',
      expired,
      { resource: resource('customers-api') },
      trace,
    )
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_grant')
    audited(trace, 'token_exchange.subject_token_expired', 'TB05', expired)
  })

  test('a subject token from a foreign issuer is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const kid = (await exportJWK(publicKey)).x ?? 'foreign'
    const foreign = await new SignJWT({ scope: 'orders:read', client_id: 'gateway' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
      .setIssuer('https://evil.example')
      .setSubject('katie')
      .setAudience(resource('my-shopping-api'))
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey)
    const trace = newTrace()
    const res = await exchange(
      'my-shopping-api',
      foreign,
      { resource: resource('customers-api') },
      trace,
    )
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_grant')
    audited(trace, 'token_exchange.foreign_issuer', 'TB05', foreign)
    assert.equal(decodeJwt(foreign).iss, 'https://evil.example')
  })
})

describe('exchanged tokens keep the sender constraint of the client (web: DPoP)', () => {
  /** web exchanges Katie's gateway token for a gateway token, proving `key` if given. */
  const forGateway = async (trace: Trace, key?: Awaited<ReturnType<typeof dpopKey>>) =>
    webExchange(
      katieGatewayToken,
      { resource: resource('gateway') },
      {
        ...trace.headers,
        ...(key ? { dpop: await key.proof('POST', `${run.issuer}/token`) } : {}),
      },
    )

  test('with a proof of the subject token’s key: a DPoP-bound token, never a Bearer one', async () => {
    const res = await forGateway(newTrace(), katieDpop)
    assert.equal(res.status, 200, res.text)
    const exchanged = res.json<TokenSet>()
    assert.equal(exchanged.token_type, 'DPoP')
    const original = await introspect(katieGatewayToken)
    const derived = await introspect(exchanged.access_token)
    assert.equal(derived.active, true)
    assert.equal(derived.token_type, 'DPoP')
    assert.deepEqual(derived.cnf, original.cnf, 'bound to the same key as the subject token')
  })

  test('without a DPoP proof the exchange is refused', async () => {
    const trace = newTrace()
    const res = await forGateway(trace)
    assert.equal(res.status, 400, res.text)
    assert.equal(res.json().error, 'invalid_grant')
    audited(trace, 'token.dpop_required', 'TB05', katieGatewayToken)
  })

  test('a proof of another key cannot launder a stolen DPoP-bound token', async () => {
    const trace = newTrace()
    const res = await forGateway(trace, await dpopKey())
    assert.equal(res.status, 400, res.text)
    assert.equal(res.json().error, 'invalid_grant')
    audited(trace, 'token_exchange.dpop_key_mismatch', 'TB05', katieGatewayToken)
  })
})

describe('tokens derived by exchange live no longer than their parent', () => {
  test('code replay revokes the grant, and with it every token exchanged from it', async () => {
    const signedIn = await signIn(run.issuer, { username: 'bob', password: 'bob-buys-bikes' })
    const dpop = await dpopKey()
    const first = await redeemCode(run.issuer, signedIn, {}, dpop)
    assert.equal(first.status, 200, first.text)
    const parent = first.json<TokenSet>().access_token
    const res = await webExchange(
      parent,
      { resource: resource('gateway') },
      { dpop: await dpop.proof('POST', `${run.issuer}/token`) },
    )
    assert.equal(res.status, 200, res.text)
    const derived = res.json<TokenSet>().access_token
    assert.equal((await introspect(derived)).active, true)

    const replay = await redeemCode(run.issuer, signedIn, {}, dpop)
    assert.equal(replay.status, 400)
    assert.equal((await introspect(parent)).active, false)
    assert.equal((await introspect(derived)).active, false, 'the derived token died with the grant')
  })

  test('a derived token expires no later than its subject token', async () => {
    const jwk = JSON.parse(JSON.stringify(secretJwk('idp')))
    const expiresAt = Math.floor(Date.now() / 1000) + 30
    const shortLived = await new SignJWT({ scope: 'orders:read', client_id: 'gateway' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid })
      .setIssuer(run.issuer)
      .setSubject('katie')
      .setAudience(resource('my-shopping-api'))
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(await importJWK(jwk, 'ES256'))
    const res = await exchange('my-shopping-api', shortLived, {
      resource: resource('order-fulfillment-api'),
      scope: 'orders:read',
    })
    assert.equal(res.status, 200, res.text)
    const exchanged = res.json<TokenSet>()
    assert.ok(exchanged.expires_in <= 30, `expires_in ${exchanged.expires_in} ≤ 30`)
    const { payload } = await verified(exchanged.access_token, resource('order-fulfillment-api'))
    assert.ok((payload.exp ?? Infinity) <= expiresAt, 'exp bounded by the subject token')
  })
})

describe('client credentials (machine-only calls)', () => {
  const cc = (as: string, form: Record<string, string>, trace: Trace = newTrace()) =>
    request(`${run.mtlsUrl}/token`, {
      as,
      headers: trace.headers,
      form: { client_id: as, grant_type: 'client_credentials', ...form },
    })

  test('an internal workload gets a certificate-bound JWT for a resource on its call graph', async () => {
    const res = await cc('order-fulfillment-api', {
      resource: resource('orders-api'),
      scope: 'orders:write',
    })
    assert.equal(res.status, 200, res.text)
    const { payload } = await verified(res.json<TokenSet>().access_token, resource('orders-api'))
    assert.equal(payload.client_id, 'order-fulfillment-api')
    assert.equal(payload.scope, 'orders:write')
    assert.deepEqual(payload.cnf, { 'x5t#S256': thumbprint('order-fulfillment-api') })
  })

  test('a resource off the call graph is refused', async () => {
    const trace = newTrace()
    const res = await cc(
      'order-fulfillment-api',
      { resource: resource('recommendations-api') },
      trace,
    )
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_target')
    audited(trace, 'resource.not_allowed', 'TB02')
  })

  test('a request without a resource is refused', async () => {
    const trace = newTrace()
    const res = await cc('order-fulfillment-api', { scope: 'orders:write' }, trace)
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_target')
    audited(trace, 'resource.missing', 'TB02')
  })

  test('without a client certificate (edge listener) the workload cannot authenticate', async () => {
    const trace = newTrace()
    const res = await request(`${run.issuer}/token`, {
      headers: trace.headers,
      form: {
        client_id: 'orders-api',
        grant_type: 'client_credentials',
        resource: resource('orders-api'),
      },
    })
    assert.equal(res.status, 401)
    assert.equal(res.json().error, 'invalid_client')
    audited(trace, 'client_auth.certificate_rejected', 'TB02')
  })

  test('a workload certificate of another client is refused', async () => {
    const trace = newTrace()
    const res = await request(`${run.mtlsUrl}/token`, {
      as: 'my-shopping-api',
      headers: trace.headers,
      form: {
        client_id: 'order-fulfillment-api',
        grant_type: 'client_credentials',
        resource: resource('orders-api'),
      },
    })
    assert.equal(res.status, 401)
    assert.equal(res.json().error, 'invalid_client')
    audited(trace, 'client_auth.certificate_rejected', 'TB02')
  })
})
