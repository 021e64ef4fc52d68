/**
 * The DPoP verifier's proof-key cache: the same `alg` + `jwk` gives the very key imported the
 * first time (no re-import per request), anything else is imported on its own, the cache stays
 * within its bound, and a `jwk` that failed to import is refused again rather than remembered.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import type { JWK, JWSHeaderParameters } from 'jose'
import { ProofKeyCache } from '../../src/dpop/proof-key-cache.ts'

const publicJwk = async (alg: 'ES256' | 'EdDSA' = 'ES256'): Promise<JWK> =>
  exportJWK((await generateKeyPair(alg, { extractable: true })).publicKey)
const header = (jwk: JWK, alg = 'ES256'): JWSHeaderParameters => ({ alg, typ: 'dpop+jwt', jwk })
const token = { payload: '', signature: '' }

describe('ProofKeyCache', () => {
  it('imports a proof key once and hashes its thumbprint once', async () => {
    const cache = new ProofKeyCache()
    const jwk = await publicJwk()
    const first = await cache.resolve(header(jwk), token)
    assert.equal(await cache.resolve(header({ ...jwk }), token), first, 'the same key object')
    assert.equal(first.type, 'public')
    const thumbprint = cache.thumbprint(header(jwk))
    assert.equal(cache.thumbprint(header({ ...jwk })), thumbprint, 'the same pending hash')
    assert.equal(await thumbprint, await calculateJwkThumbprint(jwk, 'sha256'))
  })

  it('keys by alg and jwk: another key or another alg is imported on its own', async () => {
    const cache = new ProofKeyCache()
    const jwk = await publicJwk()
    const key = await cache.resolve(header(jwk), token)
    assert.notEqual(await cache.resolve(header(await publicJwk()), token), key)
    await assert.rejects(cache.resolve(header(jwk, 'PS256'), token), 'an ES key is no PS256 key')
  })

  it('stays within its bound: the least recently used key goes first', async () => {
    const cache = new ProofKeyCache(1)
    const [a, b] = [await publicJwk(), await publicJwk()]
    const keyA = await cache.resolve(header(a), token)
    await cache.resolve(header(b), token)
    assert.notEqual(await cache.resolve(header(a), token), keyA, 'evicted, imported again')
    assert.throws(() => new ProofKeyCache(0), /maxEntries/)
  })

  it('does not remember a jwk that failed to import', async () => {
    const cache = new ProofKeyCache()
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const privateJwk = await exportJWK(privateKey)
    await assert.rejects(cache.resolve(header(privateJwk), token))
    await assert.rejects(cache.resolve(header(privateJwk), token))
  })
})
