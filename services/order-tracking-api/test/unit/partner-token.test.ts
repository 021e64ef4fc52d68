import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose'
import { createAccessTokenVerifier, createIssuerKeySet } from '@mythical/oauth'
import {
  bearerTokenOf,
  checkPartnerToken,
  PartnerTokenRefused,
} from '../../src/tracking/partner-token.ts'

const PARTNER = 'https://localhost:5000'
const RETAIL = 'https://localhost:4000'
const TRACKING = 'https://order-tracking-api.shipping.mythical.example'
const SUBJECT = 'P1u6v8iJm0oJ9YzQ7y4xvq1c2Sx3bLkD5mN8pQrStUv'

const partnerKey = await generateKeyPair('ES256')
const otherKey = await generateKeyPair('ES256')
const partnerJwk = { ...(await exportJWK(partnerKey.publicKey)), kid: 'partner-1', alg: 'ES256' }
const verifier = createAccessTokenVerifier({
  issuer: PARTNER,
  keys: createIssuerKeySet({ jwks: { keys: [partnerJwk] } }),
  algorithms: ['ES256'],
  audience: TRACKING,
})
const options = { verifier, retailIssuer: RETAIL }

async function token(
  claims: JWTPayload = {},
  { key = partnerKey.privateKey, kid = 'partner-1', lifetime = 300 } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    iss: PARTNER,
    aud: TRACKING,
    sub: SUBJECT,
    iat: now,
    exp: now + lifetime,
    scope: 'tracking:read',
    client_id: 'web',
    jti: 'jti-1',
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
    .sign(key)
}

/** The refusal's status, problem code and audit reason. */
async function refusalOf(authorization: string | undefined) {
  try {
    await checkPartnerToken(authorization, options)
  } catch (error) {
    assert.ok(error instanceof PartnerTokenRefused, String(error))
    return [error.problem.status, error.problem.code, error.reason]
  }
  assert.fail('the token was accepted')
}

describe('partner token at order-tracking-api', () => {
  it('accepts a partner token for order-tracking-api with tracking:read', async () => {
    const caller = await checkPartnerToken(`Bearer ${await token()}`, options)
    assert.deepEqual(caller, {
      subject: SUBJECT,
      scope: 'tracking:read',
      client: 'web',
      tokenId: 'jti-1',
    })
  })

  it('refuses a request without a bearer token', async () => {
    assert.deepEqual(await refusalOf(undefined), [401, 'ZT_ERR_TOKEN_MISSING', 'token.missing'])
    assert.deepEqual(await refusalOf('Basic a2F0aWU6eA=='), [
      401,
      'ZT_ERR_TOKEN_MISSING',
      'token.missing',
    ])
  })

  it('refuses a retail token, naming it in the audit reason', async () => {
    const retail = await token({ iss: RETAIL })
    assert.deepEqual(await refusalOf(`Bearer ${retail}`), [
      401,
      'ZT_ERR_TOKEN_INVALID',
      'token.retail_issuer',
    ])
  })

  it('refuses a token of an untrusted issuer, and a self-made one claiming the partner', async () => {
    const foreign = await token({ iss: 'https://evil.example' }, { key: otherKey.privateKey })
    assert.deepEqual(await refusalOf(`Bearer ${foreign}`), [
      401,
      'ZT_ERR_TOKEN_INVALID',
      'token.issuer',
    ])
    const forged = await token({}, { key: otherKey.privateKey })
    assert.deepEqual(await refusalOf(`Bearer ${forged}`), [
      401,
      'ZT_ERR_TOKEN_INVALID',
      'token.signature',
    ])
    const unknownKey = await token({}, { key: otherKey.privateKey, kid: 'not-published' })
    assert.deepEqual(await refusalOf(`Bearer ${unknownKey}`), [
      401,
      'ZT_ERR_TOKEN_INVALID',
      'token.unknown_key',
    ])
  })

  it('refuses an expired token and one for another audience', async () => {
    const expired = await token({ iat: Math.floor(Date.now() / 1000) - 600 }, { lifetime: -60 })
    assert.deepEqual(await refusalOf(`Bearer ${expired}`), [
      401,
      'ZT_ERR_TOKEN_INVALID',
      'token.expired',
    ])
    const elsewhere = await token({ aud: 'https://shipping-api.shipping.mythical.example' })
    assert.deepEqual(await refusalOf(`Bearer ${elsewhere}`), [
      401,
      'ZT_ERR_TOKEN_AUDIENCE',
      'token.audience',
    ])
  })

  it('refuses a token without tracking:read (403), without a subject, or sender-constrained', async () => {
    assert.deepEqual(await refusalOf(`Bearer ${await token({ scope: 'openid' })}`), [
      403,
      'ZT_ERR_INSUFFICIENT_SCOPE',
      'scope.insufficient',
    ])
    assert.deepEqual(await refusalOf(`Bearer ${await token({ sub: '' })}`), [
      401,
      'ZT_ERR_TOKEN_INVALID',
      'token.subject_missing',
    ])
    const bound = await token({ cnf: { 'x5t#S256': 'abc' } })
    assert.deepEqual(await refusalOf(`Bearer ${bound}`), [
      401,
      'ZT_ERR_TOKEN_NOT_BOUND',
      'token.binding_unverifiable',
    ])
  })

  it('reads only a well-formed Bearer header', () => {
    assert.equal(bearerTokenOf('Bearer abc.def.ghi'), 'abc.def.ghi')
    assert.equal(bearerTokenOf('bearer abc'), 'abc')
    assert.equal(bearerTokenOf('Bearer abc def'), undefined)
    assert.equal(bearerTokenOf('DPoP abc'), undefined)
    assert.equal(bearerTokenOf(''), undefined)
  })
})
