/**
 * The card vault client's side of TB07, against a stand-in vault on real mTLS (test cardvault CA):
 * the request it sends is a nested JWT (signed by this workload, encrypted to the vault, no CVC),
 * and only an answer signed by the vault's published key, addressed to this workload and bound to
 * this request is accepted. A vault that fails is 503, a refused card 422, anything else 502.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestCa, createTestSecrets, startTestServer } from '@mythical/service-kit/testing'
import {
  compactDecrypt,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
} from 'jose'
import { createCardVaultClient, type CardVaultClient } from '../../src/card-vault-client.ts'

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
    client = await createCardVaultClient({ secretsDir, pkiDir, url: server.url })
  })
  after(async () => {
    await client?.close()
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
})
