import assert from 'node:assert/strict'
import { test } from 'node:test'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { MemoryReplayStore, TOKEN_TYPE, createIssuerKeySet } from '@mythical/oauth'
import type { JWTPayload } from 'jose'
import type { TrustedIssuers } from '../../../src/federation/trusted-issuers.ts'
import {
  createSubjectTokenVerifier,
  DEFAULT_MAX_TOKEN_AGE_SECONDS,
} from '../../../src/federation/verify-subject-token.ts'

const TOKEN_TYPE_ACCESS_TOKEN = TOKEN_TYPE.accessToken
const TOKEN_TYPE_JWT = TOKEN_TYPE.jwt

const RETAIL = 'https://localhost:4000'
const PARTNER = 'https://localhost:5000'
const T = 1_900_000_000 // frozen "now" of the token's issuance, seconds

const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
const publicJwk = { ...(await exportJWK(publicKey)), kid: 'r1', alg: 'ES256' }
// Unit level: the retail JWKS is local; fetching it over TLS is covered by the integration tests.
const trustedIssuers: TrustedIssuers = {
  find: (issuer) =>
    issuer === RETAIL
      ? { issuer, keys: createIssuerKeySet({ jwks: { keys: [publicJwk] } }) }
      : undefined,
}

function verifierAt(seconds: number, maxTokenAgeSeconds?: number) {
  return createSubjectTokenVerifier({
    audience: PARTNER,
    trustedIssuers,
    replayStore: new MemoryReplayStore({ now: () => seconds }),
    currentDate: () => new Date(seconds * 1000),
    ...(maxTokenAgeSeconds === undefined ? {} : { maxTokenAgeSeconds }),
  })
}

function token(claims: JWTPayload = {}, typ = 'at+jwt') {
  return new SignJWT({
    iss: RETAIL,
    aud: PARTNER,
    sub: 'katie',
    jti: crypto.randomUUID(),
    scope: 'tracking:read',
    iat: T,
    exp: T + 120,
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'r1', typ })
    .sign(privateKey)
}

async function refusal(promise: Promise<unknown>) {
  const err = await promise.then(
    () => assert.fail('expected a refusal'),
    (e: unknown) => e as { code: string; oauthError: string },
  )
  return { code: err.code, oauthError: err.oauthError }
}

test('a valid token yields issuer, subject, jti, exp and scopes', async () => {
  const subject = await verifierAt(T + 1).verify(
    await token({ jti: 'j-1' }),
    TOKEN_TYPE_ACCESS_TOKEN,
  )
  assert.deepEqual(subject, {
    issuer: RETAIL,
    subject: 'katie',
    jti: 'j-1',
    exp: T + 120,
    scopes: new Set(['tracking:read']),
  })
})

test('expiry honours the 30 s clock tolerance and no more', async () => {
  const jwt = await token()
  await verifierAt(T + 149).verify(jwt, TOKEN_TYPE_ACCESS_TOKEN)
  assert.deepEqual(
    await refusal(verifierAt(T + 151).verify(await token(), TOKEN_TYPE_ACCESS_TOKEN)),
    {
      code: 'federation.expired',
      oauthError: 'invalid_grant',
    },
  )
})

test('by default a token older than the retail access-token lifetime (300 s) is refused, even with a far exp', async () => {
  assert.equal(DEFAULT_MAX_TOKEN_AGE_SECONDS, 300)
  const young = await token({ exp: T + 86_400 })
  await verifierAt(T + 300).verify(young, TOKEN_TYPE_ACCESS_TOKEN)
  const old = await token({ exp: T + 86_400 })
  assert.deepEqual(await refusal(verifierAt(T + 331).verify(old, TOKEN_TYPE_ACCESS_TOKEN)), {
    code: 'federation.expired',
    oauthError: 'invalid_grant',
  })
})

test('the maximum age follows the configured retail lifetime', async () => {
  const jwt = await token({ exp: T + 86_400 })
  assert.deepEqual(await refusal(verifierAt(T + 200, 120).verify(jwt, TOKEN_TYPE_ACCESS_TOKEN)), {
    code: 'federation.expired',
    oauthError: 'invalid_grant',
  })
  const fresh = await token({ exp: T + 86_400 })
  await verifierAt(T + 140, 120).verify(fresh, TOKEN_TYPE_ACCESS_TOKEN)
})

test('a token without jti is refused (replay could not be detected)', async () => {
  const jwt = await token({ jti: undefined })
  assert.deepEqual(await refusal(verifierAt(T + 1).verify(jwt, TOKEN_TYPE_ACCESS_TOKEN)), {
    code: 'federation.invalid_claims',
    oauthError: 'invalid_grant',
  })
})

test('typ is only enforced for access tokens; a plain JWT subject token may be typ JWT', async () => {
  const jwt = await token({}, 'JWT')
  assert.deepEqual(await refusal(verifierAt(T + 1).verify(jwt, TOKEN_TYPE_ACCESS_TOKEN)), {
    code: 'federation.invalid_claims',
    oauthError: 'invalid_grant',
  })
  const subject = await verifierAt(T + 1).verify(await token({}, 'JWT'), TOKEN_TYPE_JWT)
  assert.equal(subject.subject, 'katie')
})

test('a token the retail issuer signed for another audience is refused', async () => {
  const jwt = await token({ aud: ['https://gateway.retail.mythical.example'] })
  assert.deepEqual(await refusal(verifierAt(T + 1).verify(jwt, TOKEN_TYPE_ACCESS_TOKEN)), {
    code: 'federation.audience_mismatch',
    oauthError: 'invalid_grant',
  })
})

test('a token naming its own key (jku / jwk header) is refused before any key is used', async () => {
  for (const header of [{ jku: 'https://evil.example/jwks' }, { jwk: publicJwk }]) {
    const jwt = await new SignJWT({ iss: RETAIL, aud: PARTNER, sub: 'katie', jti: 'j', iat: T })
      .setProtectedHeader({ alg: 'ES256', kid: 'r1', typ: 'at+jwt', ...header })
      .setExpirationTime(T + 120)
      .sign(privateKey)
    assert.deepEqual(await refusal(verifierAt(T + 1).verify(jwt, TOKEN_TYPE_ACCESS_TOKEN)), {
      code: 'federation.header_injection',
      oauthError: 'invalid_grant',
    })
  }
})

test('an allowed algorithm the retail issuer does not sign with (PS256) is refused', async () => {
  const rsa = await generateKeyPair('PS256')
  const jwt = await new SignJWT({ iss: RETAIL, aud: PARTNER, sub: 'katie', jti: 'j', iat: T })
    .setProtectedHeader({ alg: 'PS256', kid: 'r1', typ: 'at+jwt' })
    .setExpirationTime(T + 120)
    .sign(rsa.privateKey)
  assert.deepEqual(await refusal(verifierAt(T + 1).verify(jwt, TOKEN_TYPE_ACCESS_TOKEN)), {
    code: 'federation.alg_not_allowed',
    oauthError: 'invalid_grant',
  })
})
