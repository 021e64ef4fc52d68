/**
 * TB07, process ↔ tokenization (third party), on the real vault: real TLS with the stack's
 * cardvault and retail certificates, the vault's own PostgreSQL database, the published keys of
 * its registered clients. The legitimate call passes; every attack is refused with its status,
 * problem code and the vault's own audit reason.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { isLuhnValid } from '@mythical/audit'
import { createDatabasePool } from '@mythical/db'
import { SECRET_FILES } from '@mythical/stack'
import { compactDecrypt, jwtVerify, UnsecuredJWT, type CryptoKey } from 'jose'
import { Agent, request } from 'undici'
import {
  callVault,
  clientAgent,
  clientCertDir,
  encryptToVault,
  FULFILLMENT_ISSUER,
  paths,
  PAYMENTS_ISSUER,
  privateKeyOf,
  publishedKeyOf,
  signRequest,
  startTestVault,
  TEST_CARD,
  VAULT_ID,
  type RunningVault,
} from '../support/vault-fixture.ts'

let vault: RunningVault
let fulfillment: Agent
let payments: Agent
let fulfillmentKey: CryptoKey
let paymentsKey: CryptoKey
let vaultVerificationKey: CryptoKey

before(async () => {
  vault = await startTestVault()
  fulfillment = clientAgent(clientCertDir('order-fulfillment-api', 'cardvault'))
  payments = clientAgent(clientCertDir('payments-api', 'cardvault'))
  fulfillmentKey = await privateKeyOf('order-fulfillment-api', SECRET_FILES.signingKey, 'ES256')
  paymentsKey = await privateKeyOf('payments-api', SECRET_FILES.signingKey, 'ES256')
  vaultVerificationKey = (await publishedKeyOf('cardvault', 'tokenization-api', 'sig')).key
})
after(async () => {
  await fulfillment?.close()
  await payments?.close()
  await vault?.close()
})

const sealedCard = async (card: object = TEST_CARD, key = fulfillmentKey) =>
  encryptToVault(await signRequest({ card }, key))

/** The test card's digits, spaced or not (a bare "4111" also occurs inside random trace ids). */
const CARD_NUMBER = /4111[ -]?1111[ -]?111[12]/

/** The one audit record of a refused call, with its reason and status. */
function assertRefused(
  res: Awaited<ReturnType<typeof callVault>>,
  status: number,
  code: string,
  reason: string,
) {
  assert.equal(res.status, status, res.text)
  assert.match(res.contentType, /^application\/problem\+json/)
  assert.equal(res.problem().code, code)
  assert.equal(res.records.length, 1, JSON.stringify(res.records))
  assert.equal(res.records[0]?.decision, 'deny')
  assert.equal(res.records[0]?.reason, reason)
  assert.equal(res.records[0]?.status, status)
  assert.equal(res.records[0]?.boundary, 'TB07')
  assert.doesNotMatch(JSON.stringify(res.records), CARD_NUMBER)
}

describe('POST /tokens', () => {
  it('tokenizes a card sealed by order-fulfillment-api: signed answer, brand and last four, never Luhn-valid', async () => {
    const res = await callVault(vault, fulfillment, '/tokens', await sealedCard())
    assert.equal(res.status, 201, res.text)
    assert.match(res.contentType, /^application\/jwt/)
    const { payload, protectedHeader } = await jwtVerify(res.text, vaultVerificationKey, {
      issuer: VAULT_ID,
      audience: FULFILLMENT_ISSUER,
      typ: 'vault-answer+jwt',
      algorithms: ['ES256'],
    })
    assert.equal(protectedHeader.alg, 'ES256')
    const token = payload.token as string
    assert.match(token, /^4[0-9]{11}1111$/)
    assert.notEqual(token, '4111111111111111')
    assert.equal(isLuhnValid(token), false)
    assert.equal(payload.brand, 'visa')
    assert.equal(payload.last4, '1111')
    assert.equal(res.records.length, 1)
    assert.equal(res.records[0]?.decision, 'allow')
    assert.equal(res.records[0]?.reason, 'vault.request_accepted')
    assert.equal(
      res.records[0]?.caller,
      'spiffe://cardvault.mythical.example/order-fulfillment-api',
    )
    assert.equal(res.records[0]?.tokenId, payload.req)
  })

  it('keeps the card number only sealed in its database, and has no place for a CVC', async () => {
    await callVault(vault, fulfillment, '/tokens', await sealedCard({ ...TEST_CARD, cvc: '123' }))
    const pool = createDatabasePool(paths.secrets('tokenization-api'), {
      serverCaFile: paths.caCert('retail'),
    })
    try {
      const { rows } = await pool.query('SELECT * FROM card_tokens')
      assert.ok(rows.length > 0)
      const dump = JSON.stringify(rows)
      for (const digits of dump.match(/[0-9]{13,19}/g) ?? []) {
        assert.equal(isLuhnValid(digits), false, 'a PAN in card_tokens')
      }
      const columns = await pool.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'`,
      )
      assert.ok(columns.rows.length > 0)
      for (const { column_name } of columns.rows as { column_name: string }[]) {
        assert.doesNotMatch(column_name, /cv[cv]|security_code/i)
      }
    } finally {
      await pool.end()
    }
  })

  it('refuses a retail CA certificate at the handshake, and audits it', async () => {
    const retail = clientAgent(clientCertDir('order-fulfillment-api'))
    const before = vault.lines.length
    try {
      await assert.rejects(callVault(vault, retail, '/tokens', await sealedCard()))
    } finally {
      await retail.close()
    }
    const refused = vault.lines.slice(before).filter((line) => line.audit === true)
    assert.equal(refused.length, 1, JSON.stringify(refused))
    assert.equal(refused[0]?.reason, 'vault.handshake_refused')
    assert.equal(refused[0]?.boundary, 'TB07')
    assert.equal(refused[0]?.decision, 'deny')
  })

  it('refuses another registered client on this route (payments-api may only detokenize)', async () => {
    const res = await callVault(
      vault,
      payments,
      '/tokens',
      await sealedCard(TEST_CARD, paymentsKey),
    )
    assert.equal(res.status, 403)
    assert.equal(res.problem().code, 'ZT_ERR_PEER_NOT_ALLOWED')
    assert.equal(res.records[0]?.reason, 'mtls.peer_not_allowed')
  })

  it('refuses a body in the clear: JSON, or a JWS that is not encrypted', async () => {
    const json = JSON.stringify({ card: TEST_CARD })
    assertRefused(
      await callVault(vault, fulfillment, '/tokens', json, 'application/json'),
      415,
      'ZT_ERR_VAULT_BODY_NOT_JOSE',
      'vault.body_not_jose',
    )
    assertRefused(
      await callVault(vault, fulfillment, '/tokens', json),
      400,
      'ZT_ERR_VAULT_BODY_NOT_ENCRYPTED',
      'vault.body_not_encrypted',
    )
    assertRefused(
      await callVault(
        vault,
        fulfillment,
        '/tokens',
        await signRequest({ card: TEST_CARD }, fulfillmentKey),
      ),
      400,
      'ZT_ERR_VAULT_BODY_NOT_ENCRYPTED',
      'vault.body_not_encrypted',
    )
  })

  it('refuses an unsigned request (alg "none" inside the JWE)', async () => {
    const now = Math.floor(Date.now() / 1000)
    const unsigned = new UnsecuredJWT({ card: TEST_CARD })
      .setIssuer(FULFILLMENT_ISSUER)
      .setAudience(VAULT_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 30)
      .setJti('unsigned-request')
      .encode()
    assertRefused(
      await callVault(vault, fulfillment, '/tokens', await encryptToVault(unsigned)),
      401,
      'ZT_ERR_VAULT_REQUEST_UNSIGNED',
      'vault.request_unsigned',
    )
  })

  it('refuses a tampered JWE (ciphertext changed in transit)', async () => {
    const parts = (await sealedCard()).split('.')
    const ciphertext = Buffer.from(parts[3] ?? '', 'base64url')
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 0x01
    parts[3] = ciphertext.toString('base64url')
    assertRefused(
      await callVault(vault, fulfillment, '/tokens', parts.join('.')),
      400,
      'ZT_ERR_VAULT_BODY_UNDECRYPTABLE',
      'vault.body_undecryptable',
    )
  })

  it('refuses a tampered signed request (claims changed, re-encrypted to the vault)', async () => {
    const [header, , signature] = (await signRequest({ card: TEST_CARD }, fulfillmentKey)).split(
      '.',
    )
    const now = Math.floor(Date.now() / 1000)
    const forged = Buffer.from(
      JSON.stringify({
        card: { ...TEST_CARD, number: '5555 5555 5555 4444' },
        iss: FULFILLMENT_ISSUER,
        aud: VAULT_ID,
        iat: now,
        exp: now + 30,
        jti: 'tampered-request',
      }),
    ).toString('base64url')
    assertRefused(
      await callVault(
        vault,
        fulfillment,
        '/tokens',
        await encryptToVault(`${header}.${forged}.${signature}`),
      ),
      401,
      'ZT_ERR_VAULT_SIGNATURE_INVALID',
      'vault.signature_invalid',
    )
  })

  it("refuses a request signed by another registered client's key (wrong signer)", async () => {
    const res = await callVault(
      vault,
      fulfillment,
      '/tokens',
      await encryptToVault(await signRequest({ card: TEST_CARD }, paymentsKey)),
    )
    assertRefused(res, 401, 'ZT_ERR_VAULT_SIGNATURE_INVALID', 'vault.wrong_signer')
  })

  it('refuses an expired request and one that would live too long', async () => {
    const expired = await signRequest({ card: TEST_CARD }, fulfillmentKey, {
      iatOffset: -120,
      lifetime: 30,
    })
    assertRefused(
      await callVault(vault, fulfillment, '/tokens', await encryptToVault(expired)),
      401,
      'ZT_ERR_VAULT_REQUEST_CLAIMS',
      'vault.request_expired',
    )
    const longLived = await signRequest({ card: TEST_CARD }, fulfillmentKey, { lifetime: 3600 })
    assertRefused(
      await callVault(vault, fulfillment, '/tokens', await encryptToVault(longLived)),
      401,
      'ZT_ERR_VAULT_REQUEST_CLAIMS',
      'vault.request_lifetime_too_long',
    )
  })

  it('refuses a request addressed to another audience or claiming another issuer', async () => {
    const otherAudience = await signRequest({ card: TEST_CARD }, fulfillmentKey, {
      audience: 'spiffe://cardvault.mythical.example/another-vault',
    })
    assertRefused(
      await callVault(vault, fulfillment, '/tokens', await encryptToVault(otherAudience)),
      401,
      'ZT_ERR_VAULT_REQUEST_CLAIMS',
      'vault.request_claims_invalid',
    )
    const otherIssuer = await signRequest({ card: TEST_CARD }, fulfillmentKey, {
      issuer: PAYMENTS_ISSUER,
    })
    assertRefused(
      await callVault(vault, fulfillment, '/tokens', await encryptToVault(otherIssuer)),
      401,
      'ZT_ERR_VAULT_REQUEST_CLAIMS',
      'vault.request_claims_invalid',
    )
  })

  it('refuses a replayed request, also after the vault restarted', async () => {
    const sealed = await sealedCard()
    assert.equal((await callVault(vault, fulfillment, '/tokens', sealed)).status, 201)
    assertRefused(
      await callVault(vault, fulfillment, '/tokens', sealed),
      409,
      'ZT_ERR_VAULT_REQUEST_REPLAYED',
      'vault.request_replayed',
    )
    await vault.close()
    vault = await startTestVault()
    const res = await callVault(vault, fulfillment, '/tokens', sealed)
    assertRefused(res, 409, 'ZT_ERR_VAULT_REQUEST_REPLAYED', 'vault.request_replayed')
    assert.equal(typeof res.records[0]?.tokenId, 'string')
  })

  it('refuses a card that is not a valid card number, naming no digit of it', async () => {
    const res = await callVault(
      vault,
      fulfillment,
      '/tokens',
      await sealedCard({ ...TEST_CARD, number: '4111 1111 1111 1112' }),
    )
    assertRefused(res, 422, 'ZT_ERR_VAULT_CARD_INVALID', 'vault.card_invalid')
    assert.doesNotMatch(res.text, /1112/)
  })
})

describe('POST /detokenize', () => {
  it('gives payments-api the card back, signed by the vault and encrypted to payments-api', async () => {
    const issued = await callVault(vault, fulfillment, '/tokens', await sealedCard())
    const { payload: answer } = await jwtVerify(issued.text, vaultVerificationKey)
    const request = await signRequest({ token: answer.token }, paymentsKey, {
      issuer: PAYMENTS_ISSUER,
    })
    const res = await callVault(vault, payments, '/detokenize', await encryptToVault(request))
    assert.equal(res.status, 200, res.text)
    assert.doesNotMatch(res.text, CARD_NUMBER)
    const decryptionKey = await privateKeyOf(
      'payments-api',
      SECRET_FILES.encryptionKey,
      'ECDH-ES+A256KW',
    )
    const { plaintext } = await compactDecrypt(res.text, decryptionKey)
    const { payload } = await jwtVerify(new TextDecoder().decode(plaintext), vaultVerificationKey, {
      issuer: VAULT_ID,
      audience: PAYMENTS_ISSUER,
    })
    assert.deepEqual(payload.card, { number: '4111111111111111', expMonth: 12, expYear: 2030 })
    assert.equal(res.records[0]?.reason, 'vault.request_accepted')
  })

  it('refuses order-fulfillment-api: only payments-api may detokenize', async () => {
    const request = await signRequest({ token: '4000000000001111' }, fulfillmentKey)
    const res = await callVault(vault, fulfillment, '/detokenize', await encryptToVault(request))
    assert.equal(res.status, 403)
    assert.equal(res.problem().code, 'ZT_ERR_PEER_NOT_ALLOWED')
    assert.equal(res.records[0]?.reason, 'mtls.peer_not_allowed')
  })
})

describe('probes', () => {
  it('answers /readyz with its database checked, to a registered client', async () => {
    const res = await request(`${vault.url}/readyz`, { dispatcher: fulfillment })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(await res.body.json(), { status: 'ok', checks: { database: 'ok' } })
  })

  it('refuses a connection without a client certificate at the handshake', async () => {
    const anonymous = new Agent({
      connect: { ca: readFileSync(paths.caCert('cardvault'), 'utf8') },
    })
    try {
      await assert.rejects(request(`${vault.url}/healthz`, { dispatcher: anonymous }))
    } finally {
      await anonymous.close()
    }
  })
})
