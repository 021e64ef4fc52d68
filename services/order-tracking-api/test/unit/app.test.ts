/**
 * order-tracking-api over real TLS, with its real mTLS client to shipping-api: partner tokens
 * signed by a test key (the verifier gets that key set), shipping-api replaced by a stub of its
 * internal contract that requires the caller's client certificate (the real chain is in
 * services/shipping-api/test/integration/tracking-chain.test.ts).
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import express from 'express'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createAuditLogger } from '@mythical/audit'
import { createIssuerKeySet } from '@mythical/oauth'
import { expressServiceBasics } from '@mythical/service-kit'
import { get as httpsGet } from 'node:https'
import {
  createTestSecrets,
  startTestServer,
  testServiceEnv,
  type TestSecrets,
} from '@mythical/service-kit/testing'
import { captureAudit } from '@mythical/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

const PARTNER = 'https://localhost:5000'
const RETAIL = 'https://localhost:4000'
const TRACKING = 'https://order-tracking-api.shipping.mythical.example'
const KATIE = 'K4tiePairwiseSubjectxxxxxxxxxxxxxxxxxxxxxxx'
const KATIES_ORDER = randomUUID()
const BOBS_ORDER = randomUUID()
const PARCEL = {
  orderId: KATIES_ORDER,
  status: 'label-created',
  events: [{ status: 'label-created', at: '2026-11-30T10:00:00.000Z' }],
}

const partnerKey = await generateKeyPair('ES256')
const partnerJwk = { ...(await exportJWK(partnerKey.publicKey)), kid: 'p1', alg: 'ES256' }

const tokenFor = (iss: string, sub = KATIE) => {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ iss, sub, aud: TRACKING, iat: now, exp: now + 300, scope: 'tracking:read' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'p1' })
    .sign(partnerKey.privateKey)
}

describe('order-tracking-api app over TLS', () => {
  let secrets: TestSecrets
  let shippingSecrets: TestSecrets
  let pkiDir: string
  let server: Awaited<ReturnType<typeof startTestServer>>
  let shipping: Awaited<ReturnType<typeof startTestServer>>
  let closeApp: () => Promise<void>
  const capture = captureAudit()
  /** Who shipping-api saw calling: the workload id of the client certificate. */
  const shippingCallers: (string | undefined)[] = []

  before(async () => {
    secrets = await createTestSecrets('order-tracking-api', { domain: 'shipping' })
    shippingSecrets = await createTestSecrets('shipping-api', {
      domain: 'shipping',
      ca: secrets.ca,
    })
    pkiDir = mkdtempSync(join(tmpdir(), 'order-tracking-pki-'))
    mkdirSync(join(pkiDir, 'shipping'))
    writeFileSync(join(pkiDir, 'shipping', 'ca.pem'), secrets.ca.certPem)

    const stub = express()
    expressServiceBasics(stub, { name: 'shipping-api', logLevel: 'silent' }, (routes) => {
      routes.get('/customers/:subject/parcels', (req, res) => {
        shippingCallers.push(req.peerId)
        if (req.params.subject === KATIE && req.query.order === KATIES_ORDER) {
          res.json({ parcels: [{ ...PARCEL, internalNote: 'never relayed' }] })
        } else res.status(404).json({ code: 'ZT_ERR_PARCEL_NOT_FOUND' })
      })
    })
    shipping = await startTestServer(stub, shippingSecrets.identity, 'internal')

    const config = loadServiceConfig(
      testServiceEnv('order-tracking-api', secrets.dir, {
        PKI_DIR: pkiDir,
        PARTNER_IDP_ISSUER: PARTNER,
        PARTNER_IDP_URL: 'https://127.0.0.1:1',
        IDP_ISSUER: RETAIL,
        SHIPPING_API_URL: shipping.url,
      }),
    )
    const { app, close } = buildApp(config, {
      identity: secrets.identity,
      audit: createAuditLogger({
        service: 'order-tracking-api',
        level: 'fatal',
        destination: capture.destination,
      }),
      partnerKeys: createIssuerKeySet({ jwks: { keys: [partnerJwk] } }),
    })
    server = await startTestServer(app, secrets.identity, 'edge')
    closeApp = close
  })
  after(async () => {
    await server.close()
    await shipping.close()
    await closeApp()
    secrets.cleanup()
    shippingSecrets.cleanup()
    rmSync(pkiDir, { recursive: true, force: true })
  })

  /** A GET as a browser-side client would send it: TLS to the edge, no client certificate. */
  const get = (path: string, token?: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: unknown }>(
      (resolve, reject) => {
        const headers = token ? { authorization: `Bearer ${token}` } : {}
        const req = httpsGet(
          `${server.url}${path}`,
          { ca: secrets.ca.certPem, headers, agent: false },
          (res) => {
            let text = ''
            res.setEncoding('utf8')
            res.on('data', (chunk: string) => (text += chunk))
            res.on('end', () => {
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) })
            })
          },
        )
        req.on('error', reject)
      },
    )
  const lastAudit = () => capture.records.at(-1)

  it('GET /healthz answers 200', async () => {
    const res = await get('/healthz')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok' })
  })

  it("answers the token's customer her parcel, read from shipping-api over mTLS", async () => {
    const res = await get(`/parcels?order=${KATIES_ORDER}`, await tokenFor(PARTNER))
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, { parcels: [PARCEL] })
    assert.equal(shippingCallers.at(-1), 'spiffe://shipping.mythical.example/order-tracking-api')
    assert.deepEqual(
      [lastAudit()?.decision, lastAudit()?.reason, lastAudit()?.subject, lastAudit()?.boundary],
      ['allow', 'access.granted', KATIE, 'TB10'],
    )
  })

  it("another customer's order is 404, audited parcel.not_found", async () => {
    const res = await get(`/parcels?order=${BOBS_ORDER}`, await tokenFor(PARTNER))
    assert.equal(res.status, 404)
    assert.equal((res.body as { code: string }).code, 'ZT_ERR_PARCEL_NOT_FOUND')
    assert.deepEqual([lastAudit()?.decision, lastAudit()?.reason], ['deny', 'parcel.not_found'])
  })

  it('a retail token is refused with problem+json before shipping-api is asked', async () => {
    const calls = shippingCallers.length
    const res = await get(`/parcels?order=${KATIES_ORDER}`, await tokenFor(RETAIL))
    assert.equal(res.status, 401)
    assert.equal((res.body as { code: string }).code, 'ZT_ERR_TOKEN_INVALID')
    assert.equal(String(res.headers['content-type']).split(';')[0], 'application/problem+json')
    assert.match(String(res.headers['www-authenticate']), /^Bearer error="invalid_token"/)
    assert.deepEqual([lastAudit()?.reason, lastAudit()?.status], ['token.retail_issuer', 401])
    assert.equal(shippingCallers.length, calls)
  })

  it('a missing or malformed order id is 400', async () => {
    for (const query of ['', '?order=1%20OR%201=1', `?order=${KATIES_ORDER}&order=${BOBS_ORDER}`]) {
      const res = await get(`/parcels${query}`, await tokenFor(PARTNER))
      assert.equal(res.status, 400, query)
      assert.equal((res.body as { code: string }).code, 'ZT_ERR_VALIDATION')
    }
  })

  it('shipping-api unreachable is 503, never an empty answer', async () => {
    await shipping.close()
    const res = await get(`/parcels?order=${KATIES_ORDER}`, await tokenFor(PARTNER))
    assert.equal(res.status, 503)
    assert.equal((res.body as { code: string }).code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')
  })
})
