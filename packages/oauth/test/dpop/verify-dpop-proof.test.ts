/**
 * DPoP proof verification: the legitimate proof passes; every RFC 9449 §4.3 check refuses with
 * its own reason code.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import {
  OAuthKitError,
  accessTokenHash,
  createDpopNonces,
  createDpopVerifier,
} from '../../src/index.ts'

const NOW = 1_800_000_000
const URL_ = 'https://localhost:8443/shopping/me'
const TOKEN = 'opaque-access-token'

const key = await generateKeyPair('ES256', { extractable: true })
const publicJwk = await exportJWK(key.publicKey)
const jkt = await calculateJwkThumbprint(publicJwk)

interface ProofOptions {
  header?: Record<string, unknown>
  claims?: Record<string, unknown>
  alg?: string
  signingKey?: CryptoKey | Uint8Array
}

function proof(opts: ProofOptions = {}): Promise<string> {
  return new SignJWT({
    htm: 'GET',
    htu: URL_,
    ath: accessTokenHash(TOKEN),
    jti: randomUUID(),
    iat: NOW,
    ...opts.claims,
  })
    .setProtectedHeader({
      alg: opts.alg ?? 'ES256',
      typ: 'dpop+jwt',
      jwk: publicJwk,
      ...opts.header,
    })
    .sign(opts.signingKey ?? key.privateKey)
}

const verifier = () => createDpopVerifier({ now: () => NOW })

const request = (p: string, extra: Record<string, unknown> = {}) => ({
  proof: p,
  method: 'GET',
  url: URL_,
  accessToken: TOKEN,
  expectedJkt: jkt,
  ...extra,
})

async function refused(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof OAuthKitError, String(err))
    assert.equal(err.code, code)
    return true
  })
}

describe('verifyDpopProof', () => {
  test('a proof for this request, token and key passes and names the key thumbprint', async () => {
    const verified = await verifier().verify(request(await proof()))
    assert.equal(verified.jkt, jkt)
    assert.deepEqual(verified.publicJwk, publicJwk)
  })

  test('htu is compared normalised and without query or fragment', async () => {
    const p = await proof({ claims: { htu: 'HTTPS://LOCALHOST:8443/shopping/me' } })
    await verifier().verify(request(p, { url: `${URL_}?page=2#top` }))
  })

  test('the same proof twice is a replay', async () => {
    const v = verifier()
    const p = await proof()
    await v.verify(request(p))
    await refused(v.verify(request(p)), 'dpop.replayed')
  })

  test('a full replay store refuses new proofs (fail closed)', async () => {
    const v = createDpopVerifier({
      now: () => NOW,
      replayStore: { consume: () => 'full' },
    })
    await refused(v.verify(request(await proof())), 'dpop.replay_store_full')
  })

  test('wrong htm', async () => {
    await refused(verifier().verify(request(await proof(), { method: 'POST' })), 'dpop.htm')
  })

  test('wrong htu (other path, other host)', async () => {
    await refused(
      verifier().verify(
        request(await proof({ claims: { htu: 'https://localhost:8443/assistant' } })),
      ),
      'dpop.htu',
    )
    await refused(
      verifier().verify(
        request(await proof({ claims: { htu: 'https://evil.example/shopping/me' } })),
      ),
      'dpop.htu',
    )
  })

  test('stale and future iat', async () => {
    await refused(
      verifier().verify(request(await proof({ claims: { iat: NOW - 61 } }))),
      'dpop.iat',
    )
    await refused(
      verifier().verify(request(await proof({ claims: { iat: NOW + 61 } }))),
      'dpop.iat',
    )
  })

  test('wrong ath, missing ath', async () => {
    await refused(
      verifier().verify(request(await proof({ claims: { ath: accessTokenHash('other') } }))),
      'dpop.ath',
    )
    await refused(
      verifier().verify(request(await proof({ claims: { ath: undefined } }))),
      'dpop.ath',
    )
  })

  test('a key other than the one the token is bound to (jkt)', async () => {
    const other = await generateKeyPair('ES256', { extractable: true })
    const otherJwk = await exportJWK(other.publicKey)
    const p = await proof({ header: { jwk: otherJwk }, signingKey: other.privateKey })
    await refused(verifier().verify(request(p)), 'dpop.jkt')
  })

  test('typ other than dpop+jwt', async () => {
    await refused(verifier().verify(request(await proof({ header: { typ: 'JWT' } }))), 'dpop.type')
  })

  test('alg none and HS256 are refused before any key is used', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: publicJwk }))
    const body = Buffer.from(JSON.stringify({ htm: 'GET', htu: URL_, jti: 'x', iat: NOW }))
    const unsigned = `${header.toString('base64url')}.${body.toString('base64url')}.`
    await refused(verifier().verify(request(unsigned)), 'dpop.algorithm')
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk))
    const hs = await proof({ alg: 'HS256', signingKey: secret })
    await refused(verifier().verify(request(hs)), 'dpop.algorithm')
  })

  test('a jwk with private key material, a symmetric jwk, or no jwk', async () => {
    const privateJwk: JWK = await exportJWK(key.privateKey)
    await refused(
      verifier().verify(request(await proof({ header: { jwk: privateJwk } }))),
      'dpop.key',
    )
    await refused(
      verifier().verify(request(await proof({ header: { jwk: { kty: 'oct', k: 'c2VjcmV0' } } }))),
      'dpop.key',
    )
    await refused(
      verifier().verify(request(await proof({ header: { jwk: undefined } }))),
      'dpop.key',
    )
  })

  test('a signature by a key other than the embedded jwk', async () => {
    const other = await generateKeyPair('ES256')
    await refused(
      verifier().verify(request(await proof({ signingKey: other.privateKey }))),
      'dpop.signature',
    )
  })

  test('not a JWT, missing jti', async () => {
    await refused(verifier().verify(request('not-a-jwt')), 'dpop.malformed')
    await refused(verifier().verify(request('')), 'dpop.malformed')
    await refused(
      verifier().verify(request(await proof({ claims: { jti: undefined } }))),
      'dpop.malformed',
    )
  })

  test('options are validated at creation', () => {
    assert.throws(() => createDpopVerifier({ algorithms: ['HS256'] }), TypeError)
    assert.throws(() => createDpopVerifier({ iatWindowSeconds: 0 }), TypeError)
  })

  test('server nonces: required when configured, the current and the previous window pass', async () => {
    let clock = NOW
    const nonces = createDpopNonces({ lifetimeSeconds: 60, now: () => clock })
    const v = createDpopVerifier({ nonces, now: () => clock })
    await assert.rejects(v.verify(request(await proof())), {
      code: 'dpop.nonce',
      oauthError: 'use_dpop_nonce',
    })
    const issued = nonces.current()
    await v.verify(request(await proof({ claims: { nonce: issued } })))
    clock += 60 // next window: the previous nonce still passes
    await v.verify(request(await proof({ claims: { nonce: issued, iat: clock } })))
    clock += 60 // two windows on: stale
    await refused(
      v.verify(request(await proof({ claims: { nonce: issued, iat: clock } }))),
      'dpop.nonce',
    )
  })

  test('server nonces: one minted with another key, or malformed, is refused', async () => {
    const nonces = createDpopNonces({ now: () => NOW })
    const other = createDpopNonces({ now: () => NOW })
    const v = createDpopVerifier({ nonces, now: () => NOW })
    await refused(
      v.verify(request(await proof({ claims: { nonce: other.current() } }))),
      'dpop.nonce',
    )
    await refused(v.verify(request(await proof({ claims: { nonce: 'x.y' } }))), 'dpop.nonce')
    assert.throws(() => createDpopNonces({ key: new Uint8Array(8) }), TypeError)
  })
})
