/**
 * The client roles against a fake authorization server over real TLS: the private_key_jwt
 * assertion names the issuer only (FAPI 2.0), tokens are cached per subject token + audience until
 * expiry, introspection answers are accepted only as verified JWTs for this client, refusals and
 * outages carry their reason codes, and nothing is cached that should not be.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { Agent } from 'undici'
import { compactVerify, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose'
import {
  CLIENT_ASSERTION_TYPE,
  OAuthKitError,
  TOKEN_EXCHANGE_GRANT,
  TOKEN_TYPE,
  createAuthorizationServerClient,
  createIntrospectionClient,
  createTokenClient,
} from '../../src/index.ts'
import { startFakeAuthorizationServer } from './fake-authorization-server.ts'
import type { FakeAuthorizationServer } from './fake-authorization-server.ts'

const client = await generateKeyPair('ES256', { extractable: true })
const AUDIENCE = 'https://orders-api.retail.mythical.example'

let as: FakeAuthorizationServer
let agent: Agent
before(async () => {
  as = await startFakeAuthorizationServer()
  agent = new Agent({ connect: { ca: as.caPem } })
})
after(async () => {
  await agent.close()
  await as.close()
})
beforeEach(() => {
  as.received.length = 0
})

function server(issuer = as.url) {
  return createAuthorizationServerClient({
    issuer,
    clientId: 'gateway',
    authentication: { method: 'private_key_jwt', privateKey: client.privateKey, kid: 'c1' },
    dispatcher: agent,
  })
}

const tokenRequests = () => as.received.filter((r) => r.path === '/token')
const introspections = () => as.received.filter((r) => r.path === '/introspect')

async function refused(promise: Promise<unknown>, code: string, oauthError?: string) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof OAuthKitError, String(err))
    assert.equal(err.code, code)
    if (oauthError) assert.equal(err.oauthError, oauthError)
    return true
  })
}

describe('private_key_jwt client assertion', () => {
  test('aud is the issuer only (a string, FAPI 2.0), iss = sub = client, short-lived, signed', async () => {
    await createTokenClient({ server: server() }).clientCredentialsFor(AUDIENCE)
    const [request] = tokenRequests()
    assert.ok(request)
    assert.equal(request.form.get('client_assertion_type'), CLIENT_ASSERTION_TYPE)
    const assertion = request.form.get('client_assertion') ?? ''
    const claims = decodeJwt(assertion)
    assert.equal(claims.aud, as.url)
    assert.equal(claims.iss, 'gateway')
    assert.equal(claims.sub, 'gateway')
    assert.equal(typeof claims.jti, 'string')
    assert.ok((claims.exp ?? 0) - (claims.iat ?? 0) <= 60)
    assert.equal(decodeProtectedHeader(assertion).kid, 'c1')
    await compactVerify(assertion, client.publicKey)
    assert.equal(request.form.get('client_secret'), null)
  })
})

describe('public issuer, internal location (ADR 0003)', () => {
  const PUBLIC_ISSUER = 'https://as.public.invalid'
  let internal: FakeAuthorizationServer
  before(async () => {
    internal = await startFakeAuthorizationServer(PUBLIC_ISSUER)
  })
  after(() => internal.close())
  const at = (issuer: string) =>
    createAuthorizationServerClient({
      issuer,
      url: internal.url,
      clientId: 'gateway',
      authentication: { method: 'private_key_jwt', privateKey: client.privateKey, kid: 'c1' },
      dispatcher: new Agent({ connect: { ca: internal.caPem } }),
    })

  test('discovery, token and signed introspection reach the location; iss is the public issuer', async () => {
    const idp = at(PUBLIC_ISSUER)
    const issuedToken = await createTokenClient({ server: idp }).clientCredentialsFor(AUDIENCE)
    assert.equal(issuedToken.accessToken, 'at-2')
    internal.behaviour.introspection = () => ({
      kind: 'jwt',
      claims: { token_introspection: { active: true, exp: Math.floor(Date.now() / 1000) + 60 } },
    })
    const answer = await createIntrospectionClient({ server: idp }).introspect('opaque-1')
    assert.equal(answer.active, true)
    assert.deepEqual(
      internal.received.map((r) => r.path),
      ['/.well-known/openid-configuration', '/token', '/introspect', '/jwks'],
    )
    const assertion = decodeJwt(internal.received[1]?.form.get('client_assertion') ?? '')
    assert.equal(assertion.aud, PUBLIC_ISSUER, 'the assertion names the issuer, not the location')
  })

  test('a server announcing another issuer than expected is refused', async () => {
    await refused(
      createTokenClient({ server: at('https://other.public.invalid') }).clientCredentialsFor(
        AUDIENCE,
      ),
      'authorization_server.invalid_response',
    )
  })

  test('a location with a path is a configuration error', () => {
    assert.throws(
      () =>
        createAuthorizationServerClient({
          issuer: PUBLIC_ISSUER,
          url: `${internal.url}/elsewhere`,
          clientId: 'gateway',
          authentication: { method: 'tls_client_auth' },
          dispatcher: agent,
        }),
      /"url" must be/,
    )
  })
})

describe('token client', () => {
  test('client credentials: resource indicator sent, token cached until expiry', async () => {
    const tokens = createTokenClient({ server: server() })
    const first = await tokens.clientCredentialsFor(AUDIENCE, { scope: 'orders:read' })
    const second = await tokens.clientCredentialsFor(AUDIENCE, { scope: 'orders:read' })
    assert.equal(second.accessToken, first.accessToken)
    assert.equal(tokenRequests().length, 1)
    const [request] = tokenRequests()
    assert.equal(request?.form.get('grant_type'), 'client_credentials')
    assert.equal(request?.form.get('resource'), AUDIENCE)
    assert.equal(request?.form.get('scope'), 'orders:read')
  })

  test('token exchange: cached per subject token + audience; renewed before expiry', async () => {
    let clock = 1_000_000
    const tokens = createTokenClient({ server: server(), now: () => clock })
    const a = await tokens.exchangeTokenFor('subject-a', AUDIENCE)
    assert.equal((await tokens.exchangeTokenFor('subject-a', AUDIENCE)).accessToken, a.accessToken)
    await tokens.exchangeTokenFor('subject-b', AUDIENCE)
    await tokens.exchangeTokenFor('subject-a', 'https://customers-api.retail.mythical.example')
    assert.equal(tokenRequests().length, 3)
    const [request] = tokenRequests()
    assert.equal(request?.form.get('grant_type'), TOKEN_EXCHANGE_GRANT)
    assert.equal(request?.form.get('subject_token'), 'subject-a')
    assert.equal(request?.form.get('subject_token_type'), TOKEN_TYPE.accessToken)
    assert.equal(request?.form.get('resource'), AUDIENCE)
    clock += 291_000 // expires_in 300 s minus the 10 s margin
    await tokens.exchangeTokenFor('subject-a', AUDIENCE)
    assert.equal(tokenRequests().length, 4)
  })

  test('a refusal carries the OAuth error and is not cached', async () => {
    const original = as.behaviour.token
    as.behaviour.token = () => ({ status: 400, body: { error: 'invalid_target' } })
    try {
      const tokens = createTokenClient({ server: server() })
      await refused(
        tokens.exchangeTokenFor('s', AUDIENCE),
        'authorization_server.refused',
        'invalid_target',
      )
      await refused(tokens.exchangeTokenFor('s', AUDIENCE), 'authorization_server.refused')
      assert.equal(tokenRequests().length, 2)
    } finally {
      as.behaviour.token = original
    }
  })

  test('a server error is "unavailable"', async () => {
    const original = as.behaviour.token
    as.behaviour.token = () => ({ status: 503, body: { error: 'temporarily_unavailable' } })
    try {
      await refused(
        createTokenClient({ server: server() }).clientCredentialsFor(AUDIENCE),
        'authorization_server.unavailable',
      )
    } finally {
      as.behaviour.token = original
    }
  })

  test('an unreachable server is "unavailable", and discovery is retried later', async () => {
    const down = server('https://localhost:1')
    await refused(down.configuration(), 'authorization_server.unavailable')
    await refused(down.configuration(), 'authorization_server.unavailable')
  })
})

describe('introspection client', () => {
  const active =
    (exp: number, extra: Record<string, unknown> = {}) =>
    () =>
      ({
        kind: 'jwt',
        claims: {
          token_introspection: { active: true, sub: 'katie', client_id: 'web', exp, ...extra },
        },
      }) as const

  test('asks for a JWT answer; an active token is cached, capped at maxCacheSeconds', async () => {
    let clock = Date.now()
    const exp = Math.floor(clock / 1000) + 300
    as.behaviour.introspection = active(exp)
    const introspection = createIntrospectionClient({
      server: server(),
      maxCacheSeconds: 30,
      now: () => clock,
    })
    const result = await introspection.introspect('opaque-1')
    assert.equal(result.sub, 'katie')
    await introspection.introspect('opaque-1')
    assert.equal(introspections().length, 1)
    assert.equal(introspections()[0]?.accept, 'application/token-introspection+jwt')
    assert.equal(introspections()[0]?.form.get('token'), 'opaque-1')
    clock += 31_000
    await introspection.introspect('opaque-1')
    assert.equal(introspections().length, 2, 'asked again after the cap')
  })

  test('a result is never used after the token’s own exp', async () => {
    let clock = Date.now()
    as.behaviour.introspection = active(Math.floor(clock / 1000) + 5)
    const introspection = createIntrospectionClient({ server: server(), now: () => clock })
    await introspection.introspect('opaque-2')
    clock += 6_000
    await refused(introspection.introspect('opaque-2'), 'introspection.inactive')
    assert.equal(introspections().length, 2)
  })

  test('inactive is refused and not cached', async () => {
    as.behaviour.introspection = () => ({
      kind: 'jwt',
      claims: { token_introspection: { active: false } },
    })
    const introspection = createIntrospectionClient({ server: server() })
    await refused(introspection.introspect('revoked'), 'introspection.inactive')
    await refused(introspection.introspect('revoked'), 'introspection.inactive')
    assert.equal(introspections().length, 2)
  })

  test('an answer signed by another key is refused', async () => {
    const forger = await generateKeyPair('ES256')
    const exp = Math.floor(Date.now() / 1000) + 300
    as.behaviour.introspection = () => ({
      kind: 'jwt',
      claims: { token_introspection: { active: true, exp } },
      key: forger.privateKey,
    })
    await refused(
      createIntrospectionClient({ server: server() }).introspect('t'),
      'authorization_server.invalid_response',
    )
  })

  test('an answer for another client (aud), from another issuer, or with another typ is refused', async () => {
    const exp = Math.floor(Date.now() / 1000) + 300
    const body = { token_introspection: { active: true, exp } }
    for (const answer of [
      { kind: 'jwt', claims: { ...body, aud: 'orders-api' } },
      { kind: 'jwt', claims: { ...body, iss: 'https://evil.example' } },
      { kind: 'jwt', claims: body, typ: 'JWT' },
    ] as const) {
      as.behaviour.introspection = () => answer
      await refused(
        createIntrospectionClient({ server: server() }).introspect('t'),
        'authorization_server.invalid_response',
      )
    }
  })

  test('an unsigned JSON answer is refused (no downgrade from RFC 9701)', async () => {
    const exp = Math.floor(Date.now() / 1000) + 300
    as.behaviour.introspection = () => ({ kind: 'json', body: { active: true, exp } })
    await refused(
      createIntrospectionClient({ server: server() }).introspect('t'),
      'authorization_server.invalid_response',
    )
  })
})
