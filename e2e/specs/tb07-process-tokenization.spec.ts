/**
 * TB07 — process ↔ tokenization (the third-party card vault). Against the running vault on
 * 127.0.0.1, as its registered client order-fulfillment-api (its cardvault certificate and its
 * signing key from `.stack/secrets/order-fulfillment-api`): the legitimate sealed request is
 * answered with a signed, format-preserving token; a retail CA certificate is refused at the
 * handshake (and audited by the vault's TLS layer); an unsigned, a tampered or a replayed body is
 * refused with status, problem code and the vault's audit reason. Last, the same exchange inside
 * Katie's real order through the gateway.
 */
import { isLuhnValid } from '@mythical/audit'
import { stackPaths } from '@mythical/stack'
import { UnsecuredJWT } from 'jose'
import { auditRecordsOf } from '../support/audit-log.ts'
import { expect, test } from '../support/fixtures.ts'
import {
  callInternal,
  expectHopRefusal,
  urlOf,
  type ExpectedHopRefusal,
} from '../support/internal-call.ts'
import { TEST_CARD, answerTraceId, postOrder } from '../support/orders.ts'
import { auditedHandshake, tryHandshake } from '../support/tls-handshake.ts'
import {
  VAULT,
  cardvaultCa,
  encryptToVault,
  fulfillmentVaultCertDir,
  requestClaims,
  sealedCard,
  signAsFulfillment,
  vaultAgent,
  verifyVaultAnswer,
} from '../support/vault-client.ts'

/** The card as the vault receives it: no CVC ever leaves order-fulfillment-api. */
const { cvc: _cvc, ...CARD } = TEST_CARD
const CARDVAULT_CALLER = 'spiffe://cardvault.mythical.example/order-fulfillment-api'

test.describe('TB07 process ↔ tokenization', () => {
  const fulfillment = vaultAgent(fulfillmentVaultCertDir())
  test.afterAll(() => fulfillment.close())

  /** POSTs `body` to the vault's `/tokens` as order-fulfillment-api. */
  const tokenize = (body: string, contentType = 'application/jose') =>
    callInternal(VAULT, fulfillment, {
      method: 'POST',
      path: '/tokens',
      headers: { 'content-type': contentType },
      rawBody: body,
    })

  /** Sends `body` to the vault and expects its refusal: status, problem code, TB07 audit reason. */
  const expectVaultRefusal = async (
    body: string,
    refusal: Omit<ExpectedHopRefusal, 'boundary'>,
    contentType?: string,
  ) => {
    const response = await tokenize(body, contentType)
    await expectHopRefusal(VAULT, response, { ...refusal, boundary: 'TB07' })
    return response
  }

  test('legitimate tokenization: a signed answer, a format-preserving token keeping brand and last four', async () => {
    const response = await tokenize(await sealedCard(CARD))
    expect(response.status, response.text).toBe(201)
    expect(response.headers['content-type']).toMatch(/^application\/jwt/)
    const answer = await verifyVaultAnswer(response.text)
    const token = String(answer.token)
    expect(token).toMatch(/^4[0-9]{11}1111$/)
    expect(token).not.toBe('4111111111111111')
    expect(isLuhnValid(token), 'a token can never pass for a card number').toBe(false)
    expect(answer).toMatchObject({ brand: 'visa', last4: '1111' })
    const records = await auditRecordsOf(response.traceId, VAULT)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({
      decision: 'allow',
      reason: 'vault.request_accepted',
      boundary: 'TB07',
      caller: CARDVAULT_CALLER,
    })
    expect(JSON.stringify(records)).not.toMatch(/4111/)
  })

  test('a retail CA certificate at the vault: refused at the handshake, audited by the vault', async () => {
    // A handshake carries no traceparent: the vault starts a trace of its own for the refusal, so
    // the record is found as the one new `vault.handshake_refused` written meanwhile (the vault
    // keeps serving its other clients — payments-api settling — while this runs).
    const retailCert = stackPaths().secrets('order-fulfillment-api')
    const { outcome, records } = await auditedHandshake(VAULT, 'vault.handshake_refused', () =>
      tryHandshake(urlOf(VAULT), cardvaultCa(), retailCert),
    )
    expect(outcome.answered, JSON.stringify(outcome)).toBe(false)
    expect(records.map((r) => `${r.decision} ${String(r.boundary)}`)).toEqual(['deny TB07'])
  })

  test('an unsigned body (alg "none" inside the JWE)', async () => {
    const unsigned = new UnsecuredJWT(requestClaims({ card: CARD })).encode()
    await expectVaultRefusal(await encryptToVault(unsigned), {
      status: 401,
      code: 'ZT_ERR_VAULT_REQUEST_UNSIGNED',
      reason: 'vault.request_unsigned',
    })
  })

  test('a body in the clear (JSON, no JOSE at all)', async () => {
    const response = await expectVaultRefusal(
      JSON.stringify({ card: CARD }),
      { status: 415, code: 'ZT_ERR_VAULT_BODY_NOT_JOSE', reason: 'vault.body_not_jose' },
      'application/json',
    )
    expect(response.text).not.toMatch(/4111/)
  })

  test('a tampered JWE (one bit of the ciphertext flipped in transit)', async () => {
    const parts = (await sealedCard(CARD)).split('.')
    const ciphertext = Buffer.from(parts[3] ?? '', 'base64url')
    ciphertext[0] = (ciphertext[0] ?? 0) ^ 0x01
    parts[3] = ciphertext.toString('base64url')
    await expectVaultRefusal(parts.join('.'), {
      status: 400,
      code: 'ZT_ERR_VAULT_BODY_UNDECRYPTABLE',
      reason: 'vault.body_undecryptable',
    })
  })

  test('a tampered signed request (the card changed under the signature, re-encrypted)', async () => {
    const [header, , signature] = (await signAsFulfillment(requestClaims({ card: CARD }))).split(
      '.',
    )
    const forged = Buffer.from(
      JSON.stringify(requestClaims({ card: { ...CARD, number: '5555 5555 5555 4444' } })),
    ).toString('base64url')
    await expectVaultRefusal(await encryptToVault(`${header}.${forged}.${signature}`), {
      status: 401,
      code: 'ZT_ERR_VAULT_SIGNATURE_INVALID',
      reason: 'vault.signature_invalid',
    })
  })

  test('a replayed request: the same sealed body a second time', async () => {
    const sealed = await sealedCard(CARD)
    const first = await tokenize(sealed)
    expect(first.status, first.text).toBe(201)
    await expectVaultRefusal(sealed, {
      status: 409,
      code: 'ZT_ERR_VAULT_REQUEST_REPLAYED',
      reason: 'vault.request_replayed',
    })
  })

  test('Katie’s order through the gateway: the vault tokenized her card on the same trace', async ({
    edge,
    katie,
  }) => {
    const placed = await postOrder(edge, katie)
    expect(placed.status, placed.text).toBe(201)
    expect(placed.json<{ card: unknown }>().card).toEqual({ brand: 'visa', last4: '1111' })
    // payments-api may detokenize on the same trace once the event is settled: only the
    // tokenization is order-fulfillment-api's.
    const records = await auditRecordsOf(answerTraceId(placed), VAULT)
    expect(
      records.filter((r) => r.caller === CARDVAULT_CALLER).map((r) => `${r.decision} ${r.reason}`),
    ).toEqual(['allow vault.request_accepted'])
    expect(records.filter((r) => r.decision === 'deny')).toEqual([])
  })
})
