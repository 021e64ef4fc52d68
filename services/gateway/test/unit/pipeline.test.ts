/**
 * The gateway's pipeline through `app.inject()`: the legitimate call is forwarded over mTLS with
 * the exchanged token only, and each refusal answers its status and problem code and writes its
 * audit reason. The IdP is faked here (introspection table); the integration suite uses the
 * real one.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { GATEWAY_REASONS } from '../../src/reasons.ts'
import { dpopClient, type DpopClient } from '../helpers/dpop-client.ts'
import {
  activeToken,
  gatewayHarness,
  PUBLIC_ORIGIN,
  type EchoedRequest,
  type Harness,
} from '../helpers/gateway-harness.ts'

const PRODUCTS = '/shopping/products'

let h: Harness
let katie: DpopClient
let address = 0
/** Each test its own client address, so rate, spike and feedback counters do not interfere. */
const nextAddress = () => `10.0.${Math.floor(++address / 250)}.${(address % 250) + 1}`

before(async () => {
  h = await gatewayHarness()
  katie = await dpopClient()
})
after(() => h.close())

/** A request as Katie's BFF sends it, with `overrides` for the attacks. */
async function call(
  opts: {
    method?: string
    url?: string
    token?: string
    proof?: string | null
    client?: DpopClient
    headers?: Record<string, string>
    body?: string
    remoteAddress?: string
  } = {},
) {
  const method = opts.method ?? 'GET'
  const url = opts.url ?? PRODUCTS
  const token = opts.token ?? 'katie-token'
  const client = opts.client ?? katie
  const proof =
    opts.proof === undefined
      ? await client.proof(method, `${PUBLIC_ORIGIN}${url.split('?')[0]}`, token)
      : opts.proof
  return h.app.inject({
    method: method as 'GET',
    url,
    remoteAddress: opts.remoteAddress ?? nextAddress(),
    headers: {
      authorization: `DPoP ${token}`,
      ...(proof === null ? {} : { dpop: proof }),
      ...opts.headers,
    },
    ...(opts.body === undefined ? {} : { payload: opts.body }),
  })
}

/** Asserts the refusal: status, problem code, and the one audit record's reason. */
function assertRefused(
  res: Awaited<ReturnType<typeof call>>,
  status: number,
  code: string,
  reason: string,
) {
  assert.equal(res.statusCode, status, res.body)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  assert.equal(res.json().code, code)
  const records = h.recordsOf(res)
  assert.equal(records.length >= 1, true, 'audited')
  assert.equal(records[0]?.decision, 'deny')
  assert.equal(records[0]?.reason, reason)
  assert.equal(res.json().traceId, records[0]?.traceId)
  assert.doesNotMatch(JSON.stringify(records), /katie-token/, 'no token in the audit record')
}

beforeEach(() => {
  h.idp.down = false
  delete h.idp.refuseWith
  h.idp.tokens.set('katie-token', activeToken(katie.jkt))
})

describe('the legitimate call', () => {
  it('is forwarded over mTLS with the exchanged JWT, never the opaque token or the proof', async () => {
    const res = await call({ headers: { accept: 'application/json' } })
    assert.equal(res.statusCode, 200, res.body)
    const echoed = res.json<EchoedRequest>()
    assert.equal(echoed.peer, 'spiffe://retail.mythical.example/gateway')
    assert.equal(
      echoed.headers.authorization,
      'Bearer exchanged.katie.my-shopping-api.retail.mythical.example',
    )
    assert.equal(echoed.headers.dpop, undefined)
    assert.doesNotMatch(JSON.stringify(echoed.headers), /katie-token/)
    assert.match(String(echoed.headers.forwarded), /^for="10\.0\.\d+\.\d+";proto=https$/)
    assert.match(String(res.headers.ratelimit), /^"gold";r=\d+;t=\d+$/)
    assert.equal(res.headers['ratelimit-policy'], '"gold";q=600;w=60')
    const [record] = h.recordsOf(res)
    assert.equal(record?.decision, 'allow')
    assert.equal(record?.reason, GATEWAY_REASONS.allowed)
    assert.equal(record?.boundary, 'TB03')
    assert.equal(record?.client, 'web')
    assert.equal(record?.subject, 'katie')
  })

  it('forwards a JSON body within the limits unchanged', async () => {
    const body = JSON.stringify({ items: [{ sku: 'sku-1', quantity: 2 }] })
    const res = await call({
      method: 'POST',
      url: '/shopping/me/orders',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k-1' },
      body,
    })
    assert.equal(res.statusCode, 200, res.body)
    const echoed = res.json<EchoedRequest>()
    assert.deepEqual(echoed.body, JSON.parse(body))
    assert.equal(echoed.headers['idempotency-key'], 'k-1')
  })

  it('reuses the introspection result for the next request (cache in the kit)', async () => {
    // The fake counts calls; the real cache is the kit's (proven by the integration test).
    const before = h.idp.introspections
    await call()
    assert.equal(h.idp.introspections, before + 1)
  })
})

describe('phantom token refusals (TB03)', () => {
  it('no token', async () => {
    const res = await h.app.inject({ method: 'GET', url: PRODUCTS, remoteAddress: nextAddress() })
    assertRefused(res, 401, 'ZT_ERR_TOKEN_MISSING', GATEWAY_REASONS.tokenMissing)
    assert.match(String(res.headers['www-authenticate']), /^DPoP algs="ES256 PS256 EdDSA"$/)
  })

  it('a token in the query string', async () => {
    const res = await call({ url: `${PRODUCTS}?access_token=katie-token` })
    assertRefused(res, 400, 'ZT_ERR_TOKEN_IN_QUERY', GATEWAY_REASONS.tokenInQuery)
  })

  it('Bearer instead of DPoP for a DPoP-bound token', async () => {
    const res = await call({ headers: { authorization: 'Bearer katie-token' } })
    assertRefused(res, 401, 'ZT_ERR_DPOP_REQUIRED', GATEWAY_REASONS.bearerNotDpop)
    assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/)
  })

  it('no DPoP proof', async () => {
    const res = await call({ proof: null })
    assertRefused(res, 401, 'ZT_ERR_DPOP_PROOF_INVALID', GATEWAY_REASONS.proofMissing)
  })

  it('a proof for another URL (htu) or method (htm)', async () => {
    const wrongHtu = await katie.proof('GET', `${PUBLIC_ORIGIN}/shopping/me`, 'katie-token')
    assertRefused(await call({ proof: wrongHtu }), 401, 'ZT_ERR_DPOP_PROOF_INVALID', 'dpop.htu')
    const wrongHtm = await katie.proof('POST', `${PUBLIC_ORIGIN}${PRODUCTS}`, 'katie-token')
    assertRefused(await call({ proof: wrongHtm }), 401, 'ZT_ERR_DPOP_PROOF_INVALID', 'dpop.htm')
  })

  it('a proof addressed to the Host header instead of the public URL', async () => {
    const proof = await katie.proof('GET', `https://evil.example${PRODUCTS}`, 'katie-token')
    const res = await call({ proof, headers: { host: 'evil.example' } })
    assertRefused(res, 401, 'ZT_ERR_DPOP_PROOF_INVALID', 'dpop.htu')
  })

  it('a replayed proof', async () => {
    const proof = await katie.proof('GET', `${PUBLIC_ORIGIN}${PRODUCTS}`, 'katie-token')
    assert.equal((await call({ proof })).statusCode, 200)
    assertRefused(await call({ proof }), 401, 'ZT_ERR_DPOP_PROOF_INVALID', 'dpop.replayed')
  })

  it('a proof from another key than the token is bound to', async () => {
    const mallory = await dpopClient()
    const res = await call({ client: mallory })
    assertRefused(res, 401, 'ZT_ERR_DPOP_PROOF_INVALID', GATEWAY_REASONS.proofKeyMismatch)
  })

  it('a proof with alg none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt' })).toString(
      'base64url',
    )
    const payload = Buffer.from(
      JSON.stringify({ htm: 'GET', htu: `${PUBLIC_ORIGIN}${PRODUCTS}`, jti: 'x', iat: 1 }),
    ).toString('base64url')
    const res = await call({ proof: `${header}.${payload}.` })
    assertRefused(res, 401, 'ZT_ERR_DPOP_PROOF_INVALID', 'dpop.algorithm')
  })

  it('an unknown, expired or revoked token (introspection: inactive)', async () => {
    const res = await call({ token: 'never-issued' })
    assertRefused(res, 401, 'ZT_ERR_TOKEN_INVALID', GATEWAY_REASONS.tokenInactive)
  })

  it('a token for another audience', async () => {
    h.idp.tokens.set(
      'other-aud',
      activeToken(katie.jkt, { aud: 'https://my-shopping-api.retail.mythical.example' }),
    )
    const res = await call({ token: 'other-aud' })
    assertRefused(res, 401, 'ZT_ERR_TOKEN_INVALID', GATEWAY_REASONS.tokenWrongAudience)
  })

  it('a token that is not DPoP-bound', async () => {
    h.idp.tokens.set('bearer-token', activeToken(katie.jkt, { token_type: 'Bearer', cnf: {} }))
    const res = await call({ token: 'bearer-token' })
    assertRefused(res, 401, 'ZT_ERR_TOKEN_INVALID', GATEWAY_REASONS.tokenNotDpopBound)
  })

  it('the staff client calling the shopper API (client-id enforcement)', async () => {
    h.idp.tokens.set('staff-token', activeToken(katie.jkt, { client_id: 'web-staff', sub: 'sam' }))
    const res = await call({ token: 'staff-token' })
    assertRefused(res, 403, 'ZT_ERR_CLIENT_NOT_ALLOWED', GATEWAY_REASONS.clientNotAllowed)
  })

  it('the IdP refusing to introspect: the token (401) or the gateway itself (503)', async () => {
    h.idp.refuseWith = 'unsupported_token_type'
    const foreign = await call({ token: 'eyJ.a-jwt.we-never-issued' })
    assertRefused(foreign, 401, 'ZT_ERR_TOKEN_INVALID', GATEWAY_REASONS.tokenInactive)
    h.idp.refuseWith = 'invalid_client'
    const misconfigured = await call({ token: 'another-token' })
    assertRefused(
      misconfigured,
      503,
      'ZT_ERR_DEPENDENCY_UNAVAILABLE',
      GATEWAY_REASONS.introspectionUnavailable,
    )
  })

  it('IdP down: refusal, never a bypass', async () => {
    h.idp.down = true
    const res = await call({ token: 'fresh-token-while-down' })
    assertRefused(
      res,
      503,
      'ZT_ERR_DEPENDENCY_UNAVAILABLE',
      GATEWAY_REASONS.introspectionUnavailable,
    )
  })
})

describe("anonymous browsing: the web client's own token (no user)", () => {
  /** What the IdP says of web's `client_credentials` token: `sub` is the client, or absent. */
  const clientToken = (overrides = {}) =>
    activeToken(web.jkt, { sub: 'web', scope: '', ...overrides })
  // The BFF's own proof key: these refusals must not feed the feedback loop of Katie's key.
  let web: DpopClient
  before(async () => {
    web = await dpopClient()
  })

  it('reaches the catalogue, forwarded with the gateway machine token (scope catalogue:read)', async () => {
    h.idp.tokens.set('web-own-token', clientToken())
    const res = await call({ token: 'web-own-token', client: web })
    assert.equal(res.statusCode, 200, res.body)
    const echoed = res.json<EchoedRequest>()
    assert.equal(
      echoed.headers.authorization,
      'Bearer machine.catalogue:read.my-shopping-api.retail.mythical.example',
    )
    const [record] = h.recordsOf(res)
    assert.equal(record?.decision, 'allow')
    assert.equal(record?.client, 'web')
    assert.equal(record?.subject, undefined)
  })

  it('a token without any sub reaches the catalogue too', async () => {
    const token = clientToken()
    h.idp.tokens.set('web-no-sub', { ...token, sub: undefined })
    const res = await call({ token: 'web-no-sub', client: web, url: '/shopping/products?page=2' })
    assert.equal(res.statusCode, 200, res.body)
  })

  it('is refused on every other route, whatever the method', async () => {
    h.idp.tokens.set('web-own-token', clientToken())
    for (const [method, url] of [
      ['GET', '/shopping/me'],
      ['GET', '/shopping/me/orders'],
      ['GET', '/shopping/products/sku-1'],
      ['POST', '/shopping/products'],
    ] as const) {
      const res = await call({ token: 'web-own-token', client: web, method, url })
      assertRefused(res, 401, 'ZT_ERR_TOKEN_INVALID', GATEWAY_REASONS.tokenWithoutUser)
    }
  })

  it("is refused for a client the API's anonymous policy does not name", async () => {
    h.idp.tokens.set('gateway-own-token', clientToken({ client_id: 'gateway', sub: 'gateway' }))
    const res = await call({ token: 'gateway-own-token', client: web })
    assertRefused(res, 401, 'ZT_ERR_TOKEN_INVALID', GATEWAY_REASONS.tokenWithoutUser)
  })
})

describe('edge policies (TB14)', () => {
  it('strips spoofed identity headers and names them in the audit record', async () => {
    const res = await call({
      headers: {
        'x-user': 'bob',
        'x-forwarded-for': '127.0.0.1',
        'x-client-id': 'web-staff',
        'x-spiffe-id': 'spiffe://retail.mythical.example/order-fulfillment-api',
        forwarded: 'for=127.0.0.1',
        'x-real-ip': '127.0.0.1',
      },
    })
    assert.equal(res.statusCode, 200)
    const echoed = res.json<EchoedRequest>()
    for (const name of ['x-user', 'x-forwarded-for', 'x-client-id', 'x-spiffe-id', 'x-real-ip']) {
      assert.equal(echoed.headers[name], undefined, name)
    }
    assert.doesNotMatch(String(echoed.headers.forwarded), /127\.0\.0\.1/)
    const [record] = h.recordsOf(res)
    assert.deepEqual([...(record?.strippedHeaders as string[])].sort(), [
      'forwarded',
      'x-client-id',
      'x-forwarded-for',
      'x-real-ip',
      'x-spiffe-id',
      'x-user',
    ])
  })

  it('a denied address, and a spoofed X-Forwarded-For does not help', async () => {
    const denied = await call({ remoteAddress: '203.0.113.9' })
    assertRefused(denied, 403, 'ZT_ERR_IP_DENIED', GATEWAY_REASONS.addressDenied)
    const spoofed = await call({
      remoteAddress: '203.0.113.9',
      headers: { 'x-forwarded-for': '10.9.9.9' },
    })
    assertRefused(spoofed, 403, 'ZT_ERR_IP_DENIED', GATEWAY_REASONS.addressDenied)
    assert.equal(h.recordsOf(spoofed)[0]?.address, '203.0.113.9')
  })

  it('a bad CORS origin is refused; an exact one is echoed', async () => {
    const bad = await call({ headers: { origin: 'https://evil.example' } })
    assertRefused(bad, 403, 'ZT_ERR_CORS_ORIGIN_DENIED', GATEWAY_REASONS.corsOriginDenied)
    assert.equal(h.recordsOf(bad)[0]?.boundary, 'TB14')
    const good = await call({ headers: { origin: 'https://localhost:3000' } })
    assert.equal(good.statusCode, 200)
    assert.equal(good.headers['access-control-allow-origin'], 'https://localhost:3000')
    const preflight = await h.app.inject({
      method: 'OPTIONS',
      url: PRODUCTS,
      remoteAddress: nextAddress(),
      headers: {
        origin: 'https://localhost:3000',
        'access-control-request-method': 'GET',
      },
    })
    assert.equal(preflight.statusCode, 204)
    assert.match(String(preflight.headers['access-control-allow-headers']), /dpop/)
  })

  it('JSON bombs are refused while streaming: depth, keys, array length, string length', async () => {
    const post = (body: string) =>
      call({
        method: 'POST',
        url: '/shopping/me/orders',
        headers: { 'content-type': 'application/json' },
        body,
      })
    const deep = '['.repeat(11) + ']'.repeat(11)
    assertRefused(await post(deep), 400, 'ZT_ERR_JSON_THREAT', GATEWAY_REASONS.jsonDepth)
    const keys = JSON.stringify(
      Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])),
    )
    assertRefused(await post(keys), 400, 'ZT_ERR_JSON_THREAT', GATEWAY_REASONS.jsonKeys)
    const array = JSON.stringify(Array.from({ length: 257 }, () => 0))
    assertRefused(await post(array), 400, 'ZT_ERR_JSON_THREAT', GATEWAY_REASONS.jsonArray)
    const string = JSON.stringify({ s: 'x'.repeat(4097) })
    assertRefused(await post(string), 400, 'ZT_ERR_JSON_THREAT', GATEWAY_REASONS.jsonString)
    assertRefused(await post('{"a":'), 400, 'ZT_ERR_JSON_MALFORMED', GATEWAY_REASONS.jsonMalformed)
  })

  it('an oversized body, and a body that is not JSON', async () => {
    const big = JSON.stringify({ items: Array.from({ length: 200 }, () => 'y'.repeat(400)) })
    const res = await call({
      method: 'POST',
      url: '/shopping/me/orders',
      headers: { 'content-type': 'application/json' },
      body: big,
    })
    assertRefused(res, 413, 'ZT_ERR_PAYLOAD_TOO_LARGE', GATEWAY_REASONS.bodyTooLarge)
    const form = await call({
      method: 'POST',
      url: '/shopping/me/orders',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    })
    assertRefused(form, 415, 'ZT_ERR_UNSUPPORTED_MEDIA_TYPE', GATEWAY_REASONS.unsupportedMediaType)
  })

  it('an unknown API path is a 404, audited', async () => {
    const res = await call({ url: '/orders-api/orders' })
    assertRefused(res, 404, 'ZT_ERR_NOT_FOUND', GATEWAY_REASONS.noSuchApi)
  })
})
