/**
 * The card vault client's side of TB07, against a stand-in vault on real mTLS (test cardvault CA):
 * the request it sends is a nested JWT (signed by this workload, encrypted to the vault, no CVC),
 * and only an answer signed by the vault's published key, addressed to this workload and bound to
 * this request is accepted; a detokenization answer must also be encrypted to this workload. A
 * vault that fails is 503, a refused card or unknown token 422, anything else 502 — and a refused
 * answer's card number reaches no error.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestCa, createTestSecrets, startTestServer } from '@mythical/service-kit/testing'
import {
  CompactEncrypt,
  compactDecrypt,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
} from 'jose'
import { createCardVaultClient, type CardVaultClient } from '../src/card-vault-client.ts'

const PAYMENTS_ID = 'spiffe://retail.mythical.example/payments-api'

const VAULT_ID = 'spiffe://cardvault.mythical.example/tokenization-api'
const SELF_ID = 'spiffe://retail.mythical.example/order-fulfillment-api'
const CARD = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030 }

type Answer = (jti: string) => Promise<{ status: number; body: string }>

describe('card vault client', () => {
  const dirs: string[] = []
  let vaultSigning: CryptoKey
  let otherSigning: CryptoKey
  let vaultDecryption: CryptoKey
  let seen: { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined
  let answer: Answer
  let server: Awaited<ReturnType<typeof startTestServer>>
  let client: CardVaultClient
  let payments: CardVaultClient
  let paymentsEncryption: CryptoKey

  const signed = (claims: Record<string, unknown>, key = vaultSigning, aud = SELF_ID) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'vault-answer+jwt' })
      .setIssuer(VAULT_ID)
      .setAudience(aud)
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(key)

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const { plaintext } = await compactDecrypt(Buffer.concat(chunks).toString(), vaultDecryption)
    const inner = new TextDecoder().decode(plaintext)
    seen = { header: decodeProtectedHeader(inner), claims: decodeJwt(inner) }
    const { status, body } = await answer(String(seen.claims.jti))
    res.writeHead(status, { 'content-type': 'application/jwt' }).end(body)
  }

  before(async () => {
    const ca = await createTestCa('cardvault')
    const vault = await createTestSecrets('tokenization-api', { domain: 'cardvault', ca })
    const clientCert = await createTestSecrets('order-fulfillment-api', { domain: 'cardvault', ca })
    dirs.push(vault.dir, clientCert.dir)
    const sig = await generateKeyPair('ES256')
    const enc = await generateKeyPair('ECDH-ES+A256KW')
    const own = await generateKeyPair('ES256', { extractable: true })
    const ownEnc = await generateKeyPair('ECDH-ES+A256KW', { extractable: true })
    paymentsEncryption = ownEnc.publicKey
    vaultSigning = sig.privateKey
    otherSigning = (await generateKeyPair('ES256')).privateKey
    vaultDecryption = enc.privateKey

    const secretsDir = mkdtempSync(join(tmpdir(), 'ofa-secrets-'))
    const pkiDir = mkdtempSync(join(tmpdir(), 'ofa-pki-'))
    dirs.push(secretsDir, pkiDir)
    mkdirSync(join(secretsDir, 'cardvault'))
    for (const file of ['tls.crt', 'tls.key', 'ca.pem']) {
      writeFileSync(join(secretsDir, 'cardvault', file), readFileSync(join(clientCert.dir, file)))
    }
    writeFileSync(
      join(secretsDir, 'signing-key.jwk.json'),
      JSON.stringify({ ...(await exportJWK(own.privateKey)), kid: 'ofa', alg: 'ES256' }),
    )
    writeFileSync(
      join(secretsDir, 'encryption-key.jwk.json'),
      JSON.stringify({
        ...(await exportJWK(ownEnc.privateKey)),
        kid: 'own-enc',
        alg: 'ECDH-ES+A256KW',
      }),
    )
    mkdirSync(join(pkiDir, 'cardvault', 'jwks'), { recursive: true })
    writeFileSync(
      join(pkiDir, 'cardvault', 'jwks', 'tokenization-api.json'),
      JSON.stringify({
        keys: [
          { ...(await exportJWK(sig.publicKey)), kid: 'v-sig', alg: 'ES256', use: 'sig' },
          { ...(await exportJWK(enc.publicKey)), kid: 'v-enc', alg: 'ECDH-ES+A256KW', use: 'enc' },
        ],
      }),
    )
    server = await startTestServer((req, res) => void handle(req, res), vault.identity, 'internal')
    const options = { secretsDir, pkiDir, url: server.url }
    client = await createCardVaultClient({ ...options, service: 'order-fulfillment-api' })
    payments = await createCardVaultClient({ ...options, service: 'payments-api' })
  })
  after(async () => {
    await client?.close()
    await payments?.close()
    await server?.close()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  })

  it('sends a signed then encrypted request without CVC and accepts the signed answer', async () => {
    answer = async (jti) => ({
      status: 201,
      body: await signed({ token: '4000000000001112', brand: 'visa', last4: '1111', req: jti }),
    })
    assert.deepEqual(await client.tokenize(CARD), {
      token: '4000000000001112',
      brand: 'visa',
      last4: '1111',
    })
    assert.equal(seen?.header.typ, 'vault-request+jwt')
    assert.equal(seen?.claims.iss, SELF_ID)
    assert.equal(seen?.claims.aud, VAULT_ID)
    assert.ok(Number(seen?.claims.exp) - Number(seen?.claims.iat) <= 60)
    assert.deepEqual(Object.keys(seen?.claims.card as object).sort(), [
      'expMonth',
      'expYear',
      'number',
    ])
  })

  it('refuses an answer signed by another key (a forged vault): 502', async () => {
    answer = async (jti) => ({
      status: 201,
      body: await signed({ token: 't', brand: 'visa', last4: '1111', req: jti }, otherSigning),
    })
    await assert.rejects(client.tokenize(CARD), { code: 'ZT_ERR_VAULT_REFUSED', status: 502 })
  })

  it('refuses an answer to another request or for another workload: 502', async () => {
    answer = async () => ({
      status: 201,
      body: await signed({ token: 't', brand: 'visa', last4: '1111', req: 'another-request' }),
    })
    await assert.rejects(client.tokenize(CARD), { code: 'ZT_ERR_VAULT_REFUSED' })
    answer = async (jti) => ({
      status: 201,
      body: await signed(
        { token: 't', brand: 'visa', last4: '1111', req: jti },
        vaultSigning,
        'spiffe://retail.mythical.example/payments-api',
      ),
    })
    await assert.rejects(client.tokenize(CARD), { code: 'ZT_ERR_VAULT_REFUSED' })
  })

  it('maps the vault refusing the card to 422 and a failing vault to 503', async () => {
    answer = async () => ({ status: 422, body: '' })
    await assert.rejects(client.tokenize(CARD), { code: 'ZT_ERR_CARD_REJECTED', status: 422 })
    answer = async () => ({ status: 500, body: '' })
    await assert.rejects(client.tokenize(CARD), { status: 503 })
  })

  const encryptedToPayments = async (jws: string, key = paymentsEncryption) =>
    new CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT' })
      .encrypt(key)

  it('detokenizes: sends the token sealed, accepts the answer signed then encrypted to it', async () => {
    answer = async (jti) => ({
      status: 200,
      body: await encryptedToPayments(
        await signed(
          { card: { ...CARD, number: '4111111111111111' }, req: jti },
          vaultSigning,
          PAYMENTS_ID,
        ),
      ),
    })
    assert.deepEqual(await payments.detokenize('4000000000001112'), {
      number: '4111111111111111',
      expMonth: 12,
      expYear: 2030,
    })
    assert.equal(seen?.claims.iss, PAYMENTS_ID)
    assert.equal(seen?.claims.aud, VAULT_ID)
    assert.equal(seen?.claims.token, '4000000000001112')
  })

  it('refuses a detokenization answer in the clear, encrypted to another key, or forged: 502, no card in the error', async () => {
    const cardClaims = (jti: string) => ({
      card: { ...CARD, number: '4111111111111111' },
      req: jti,
    })
    const stranger = await generateKeyPair('ECDH-ES+A256KW')
    const answers: Answer[] = [
      async (jti) => ({
        status: 200,
        body: await signed(cardClaims(jti), vaultSigning, PAYMENTS_ID),
      }),
      async (jti) => ({
        status: 200,
        body: await encryptedToPayments(
          await signed(cardClaims(jti), vaultSigning, PAYMENTS_ID),
          stranger.publicKey,
        ),
      }),
      async (jti) => ({
        status: 200,
        body: await encryptedToPayments(await signed(cardClaims(jti), otherSigning, PAYMENTS_ID)),
      }),
      async () => ({
        status: 200,
        body: await encryptedToPayments(
          await signed(cardClaims('another'), vaultSigning, PAYMENTS_ID),
        ),
      }),
    ]
    for (const next of answers) {
      answer = next
      const error = await payments.detokenize('4000000000001112').then(
        () => assert.fail('accepted'),
        (err: unknown) => err as Error & { code?: string; status?: number },
      )
      assert.equal(error.code, 'ZT_ERR_VAULT_REFUSED')
      assert.equal(error.status, 502)
      assert.equal(error.cause, undefined)
      assert.doesNotMatch(JSON.stringify({ ...error, message: error.message }), /4111[ -]?1111/)
    }
  })

  it('maps an unknown token to 422 and a failing vault to 503', async () => {
    answer = async () => ({ status: 404, body: '' })
    await assert.rejects(payments.detokenize('t'), {
      code: 'ZT_ERR_CARD_TOKEN_UNKNOWN',
      status: 422,
    })
    answer = async () => ({ status: 503, body: '' })
    await assert.rejects(payments.detokenize('t'), { status: 503 })
  })

  it('builds no client for a workload the call graph does not register at the vault', async () => {
    await assert.rejects(
      createCardVaultClient({
        service: 'customers-api',
        secretsDir: '/nonexistent',
        pkiDir: '/nonexistent',
        url: server.url,
      }),
      /customers-api is no registered client of the card vault/,
    )
  })
})
