import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose'
import { dpopKey, pkce, totpNow } from '../src/index.ts'

test('pkce: a fresh verifier per call and its S256 challenge', () => {
  const a = pkce()
  const b = pkce()
  assert.notEqual(a.verifier, b.verifier)
  assert.match(a.verifier, /^[A-Za-z0-9_-]{43}$/)
  assert.equal(a.challenge, createHash('sha256').update(a.verifier).digest('base64url'))
})

test('dpop: proofs carry htm, htu, a fresh jti, the public key and ath when given a token', async () => {
  const key = await dpopKey()
  const proof = await key.proof('POST', 'https://localhost:4000/token', 'access-token-value')
  const header = decodeProtectedHeader(proof)
  assert.equal(header.typ, 'dpop+jwt')
  assert.equal(header.alg, 'ES256')
  assert.equal(
    await calculateJwkThumbprint(header.jwk ?? {}),
    await calculateJwkThumbprint(key.publicJwk),
  )
  assert.ok(!('d' in (header.jwk ?? {})), 'the proof carries the public key only')
  const claims = decodeJwt(proof)
  assert.equal(claims.htm, 'POST')
  assert.equal(claims.htu, 'https://localhost:4000/token')
  assert.equal(claims.ath, createHash('sha256').update('access-token-value').digest('base64url'))
  const again = decodeJwt(await key.proof('POST', 'https://localhost:4000/token'))
  assert.notEqual(again.jti, claims.jti)
  assert.equal(again.ath, undefined)
})

test('totp: the RFC 6238 SHA-1 test vector', async () => {
  // RFC 6238 appendix B: secret "12345678901234567890" (base32 below), T = 59 s → 94287082 (8
  // digits); its last six digits are the 6-digit code.
  assert.equal(await totpNow('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', 59), '287082')
})
