/**
 * verifyAccessToken against a JWKS served over real TLS: the legitimate token passes; each attack
 * of RFC 8725 and each claim failure is refused with its reason code; the JWKS is fetched only
 * as often as the rules allow.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { setTimeout } from 'node:timers/promises'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import {
  KeySetUnavailableError,
  MemoryReplayStore,
  OAuthKitError,
  ResponseTooLargeError,
  createAccessTokenVerifier,
  createIssuerKeySet,
} from '../../src/index.ts'
import type { AccessTokenVerifierOptions, RemoteKeySource } from '../../src/index.ts'
import { startHttpsServer } from '../helpers/https-server.ts'
import type { TestServer } from '../helpers/https-server.ts'

const ISSUER = 'https://localhost:4000'
const AUDIENCE = 'https://orders-api.retail.mythical.example'

const signing = await generateKeyPair('ES256', { extractable: true })
const publicJwk: JWK = {
  ...(await exportJWK(signing.publicKey)),
  kid: 'k1',
  alg: 'ES256',
  use: 'sig',
}
let jwksBody = JSON.stringify({ keys: [publicJwk] })

let jwks: TestServer
let otherCaServer: TestServer
before(async () => {
  jwks = await startHttpsServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(jwksBody)
  })
  otherCaServer = await startHttpsServer((_req, res) => res.end(jwksBody))
})
after(async () => {
  await jwks.close()
  await otherCaServer.close()
})

interface TokenOptions {
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
  key?: CryptoKey | Uint8Array
}

function token(opts: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'katie',
    client_id: 'gateway',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...opts.claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1', ...opts.header })
    .sign(opts.key ?? signing.privateKey)
}

function unsigned(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
  return `${part(header)}.${part(claims)}.`
}

function verifier(
  source: Partial<RemoteKeySource> = {},
  options: Partial<AccessTokenVerifierOptions> = {},
) {
  return createAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['ES256'],
    keys: createIssuerKeySet({ jwksUri: `${jwks.url}/jwks`, caPem: jwks.caPem, ...source }),
    ...options,
  })
}

async function refused(promise: Promise<unknown>, code: string): Promise<OAuthKitError> {
  let caught: unknown
  await assert.rejects(promise, (err: unknown) => {
    caught = err
    assert.ok(err instanceof OAuthKitError, String(err))
    assert.equal(err.code, code)
    return true
  })
  return caught as OAuthKitError
}

describe('verifyAccessToken', () => {
  test('a token of the issuer for this audience passes', async () => {
    const { payload, protectedHeader } = await verifier().verify(await token())
    assert.equal(payload.sub, 'katie')
    assert.equal(protectedHeader.typ, 'at+jwt')
  })

  test('alg none is refused before any key lookup', async () => {
    const before = jwks.hits()
    const now = Math.floor(Date.now() / 1000)
    const none = unsigned(
      { alg: 'none', typ: 'at+jwt' },
      { iss: ISSUER, aud: AUDIENCE, exp: now + 60 },
    )
    await refused(verifier().verify(none), 'token.algorithm')
    assert.equal(jwks.hits(), before)
  })

  test('HS256 keyed with the public key is refused', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk))
    await refused(
      verifier().verify(await token({ header: { alg: 'HS256' }, key: secret })),
      'token.algorithm',
    )
  })

  test('an asymmetric algorithm not pinned for this issuer is refused', async () => {
    const rsa = await generateKeyPair('PS256')
    await refused(
      verifier().verify(await token({ header: { alg: 'PS256' }, key: rsa.privateKey })),
      'token.algorithm',
    )
  })

  for (const name of ['jku', 'x5u', 'jwk', 'x5c'] as const) {
    test(`a ${name} header is never followed: refused`, async () => {
      const values = {
        jku: 'https://evil.example/jwks',
        x5u: 'https://evil.example/cert.pem',
        jwk: publicJwk,
        x5c: ['MIIB'],
      }
      const before = jwks.hits()
      await refused(
        verifier().verify(await token({ header: { [name]: values[name] } })),
        'token.header_injection',
      )
      assert.equal(jwks.hits(), before)
    })
  }

  test('a typ other than at+jwt (e.g. an ID token) is refused', async () => {
    await refused(verifier().verify(await token({ header: { typ: 'JWT' } })), 'token.type')
  })

  test('a foreign issuer is refused without a fetch', async () => {
    const before = jwks.hits()
    await refused(
      verifier().verify(await token({ claims: { iss: 'https://evil.example' } })),
      'token.issuer',
    )
    assert.equal(jwks.hits(), before)
  })

  test('expired, not yet valid, and within the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000)
    await refused(verifier().verify(await token({ claims: { exp: now - 10 } })), 'token.expired')
    await refused(
      verifier().verify(await token({ claims: { nbf: now + 60 } })),
      'token.not_yet_valid',
    )
    await verifier().verify(await token({ claims: { exp: now - 3 } }))
  })

  test('another audience is refused', async () => {
    await refused(
      verifier().verify(
        await token({ claims: { aud: 'https://customers-api.retail.mythical.example' } }),
      ),
      'token.audience',
    )
  })

  test('a token older than maxTokenAgeSeconds is refused', async () => {
    const now = Math.floor(Date.now() / 1000)
    await refused(
      verifier({}, { maxTokenAgeSeconds: 60 }).verify(await token({ claims: { iat: now - 120 } })),
      'token.expired',
    )
  })

  test('a signature by another key under a published kid is refused', async () => {
    const other = await generateKeyPair('ES256')
    await refused(verifier().verify(await token({ key: other.privateKey })), 'token.signature')
  })

  test('unknown kid: no refresh within the cooldown, then at most one', async () => {
    const v = verifier({ cooldownMs: 300 })
    await v.verify(await token())
    const fetched = jwks.hits()
    await refused(v.verify(await token({ header: { kid: 'unknown' } })), 'token.unknown_key')
    assert.equal(jwks.hits(), fetched, 'no refresh right after a fetch')
    await setTimeout(350)
    const before = jwks.hits()
    for (let i = 0; i < 5; i++) {
      await refused(v.verify(await token({ header: { kid: `unknown-${i}` } })), 'token.unknown_key')
    }
    assert.equal(jwks.hits() - before, 1, 'one refresh for five unknown kids')
  })

  test('a key added by rotation is found by the one refresh', async () => {
    const v = verifier({ cooldownMs: 100 })
    await v.verify(await token())
    await setTimeout(150)
    const rotated = await generateKeyPair('ES256', { extractable: true })
    const rotatedJwk = {
      ...(await exportJWK(rotated.publicKey)),
      kid: 'k2',
      alg: 'ES256',
      use: 'sig',
    }
    const previous = jwksBody
    jwksBody = JSON.stringify({ keys: [publicJwk, rotatedJwk] })
    try {
      await v.verify(await token({ header: { kid: 'k2' }, key: rotated.privateKey }))
    } finally {
      jwksBody = previous
    }
  })

  test('JWKS unreachable: refused (fail closed), and not re-fetched within the cooldown', async () => {
    const down = await startHttpsServer((_req, res) => res.end(jwksBody))
    await down.close()
    const v = verifier({ jwksUri: `${down.url}/jwks`, caPem: down.caPem })
    await refused(v.verify(await token()), 'jwks.unavailable')
    const err = await refused(v.verify(await token()), 'jwks.unavailable')
    assert.ok(err.cause instanceof KeySetUnavailableError, 'second attempt throttled, no fetch')
  })

  test('JWKS served under a certificate of another CA: refused', async () => {
    const v = verifier({ jwksUri: `${otherCaServer.url}/jwks`, caPem: jwks.caPem })
    await refused(v.verify(await token()), 'jwks.unavailable')
    assert.equal(otherCaServer.hits(), 0)
  })

  test('an oversized JWKS is refused while streaming, also without content-length', async () => {
    const huge = await startHttpsServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }) // chunked: no content-length
      const chunk = 'x'.repeat(16 * 1024)
      for (let i = 0; i < 64; i++) res.write(chunk)
      res.end()
    })
    try {
      const v = verifier({ jwksUri: `${huge.url}/jwks`, caPem: huge.caPem, maxBytes: 32 * 1024 })
      const err = await refused(v.verify(await token()), 'jwks.unavailable')
      assert.ok(err.cause instanceof ResponseTooLargeError, String(err.cause))
    } finally {
      await huge.close()
    }
  })

  test('one-time use: the same jti twice is a replay', async () => {
    const v = verifier({}, { oneTimeUse: new MemoryReplayStore() })
    const t = await token()
    await v.verify(t)
    await refused(v.verify(t), 'token.replayed')
  })

  test('a local key set (an IdP verifying its own tokens)', async () => {
    const v = createAccessTokenVerifier({
      issuer: ISSUER,
      audience: null,
      algorithms: ['ES256'],
      keys: createIssuerKeySet({ jwks: { keys: [publicJwk] } }),
    })
    await v.verify(await token({ claims: { aud: 'anything' } }))
    await refused(v.verify(await token({ header: { kid: 'nope' } })), 'token.unknown_key')
  })

  test('malformed input', async () => {
    await refused(verifier().verify('abc'), 'token.malformed')
    await refused(verifier().verify('a.b.c'), 'token.malformed')
  })

  test('options are validated at creation', () => {
    const keys = createIssuerKeySet({ jwks: { keys: [publicJwk] } })
    const base = { issuer: ISSUER, audience: AUDIENCE, keys }
    assert.throws(() => createAccessTokenVerifier({ ...base, algorithms: [] }), TypeError)
    assert.throws(
      () => createAccessTokenVerifier({ ...base, algorithms: ['HS256' as 'ES256'] }),
      TypeError,
    )
    assert.throws(
      () => createIssuerKeySet({ jwksUri: 'http://localhost/jwks', caPem: jwks.caPem }),
      TypeError,
    )
    assert.throws(
      () => createIssuerKeySet({ jwks: { keys: [{ kty: 'oct', k: 'AA' }] } }),
      TypeError,
    )
  })
})

describe('IssuerKeySet.ready (readiness probes)', () => {
  test('uses the cache: ten probes, one fetch', async () => {
    const keys = createIssuerKeySet({ jwksUri: `${jwks.url}/jwks`, caPem: jwks.caPem })
    const before = jwks.hits()
    for (let i = 0; i < 10; i++) await keys.ready()
    assert.equal(jwks.hits() - before, 1)
  })

  test('an unreachable JWKS is not ready, and probes do not hammer it', async () => {
    let answered = 0
    const flaky = await startHttpsServer((_req, res) => {
      answered += 1
      res.writeHead(503).end()
    })
    try {
      const keys = createIssuerKeySet({ jwksUri: `${flaky.url}/jwks`, caPem: flaky.caPem })
      for (let i = 0; i < 5; i++) {
        await assert.rejects(keys.ready(), KeySetUnavailableError)
      }
      assert.equal(answered, 1)
    } finally {
      await flaky.close()
    }
  })

  test('an empty key set is not ready', async () => {
    await assert.rejects(createIssuerKeySet({ jwks: { keys: [] } }).ready(), KeySetUnavailableError)
  })
})
