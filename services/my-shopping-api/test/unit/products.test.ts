/**
 * `GET /shopping/products` behind the phantom JWT (TB04), over a real mTLS listener: the gateway
 * with an exchanged token bound to its certificate gets the catalogue; no token, a token for
 * another audience, a token bound to another certificate, or another caller are refused and
 * audited.
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createAuditLogger } from '@mythical/audit'
import { certificateThumbprint, createIssuerKeySet } from '@mythical/oauth'
import { createTestSecrets, testServiceEnv, type TestSecrets } from '@mythical/service-kit/testing'
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose'
import { request } from 'node:https'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

const ISSUER = 'https://localhost:4000'
const AUDIENCE = 'https://my-shopping-api.retail.mythical.example'

let api: TestSecrets
let gateway: TestSecrets
let web: TestSecrets
let signingKey: CryptoKey
let app: Awaited<ReturnType<typeof buildApp>>
let url: string
const records: Record<string, unknown>[] = []

before(async () => {
  api = await createTestSecrets('my-shopping-api')
  gateway = await createTestSecrets('gateway', { ca: api.ca })
  web = await createTestSecrets('web', { ca: api.ca })
  const pair = await generateKeyPair('ES256')
  signingKey = pair.privateKey
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }
  app = await buildApp(
    loadServiceConfig(
      testServiceEnv('my-shopping-api', api.dir, {
        IDP_ISSUER: ISSUER,
        IDP_URL: 'https://127.0.0.1:1',
      }),
    ),
    {
      keys: createIssuerKeySet({ jwks: { keys: [jwk] } }),
      audit: createAuditLogger({
        service: 'my-shopping-api',
        level: 'warn',
        destination: {
          write: (line: string) => {
            const parsed = JSON.parse(line) as Record<string, unknown>
            if (parsed.audit === true) records.push(parsed)
          },
        },
      }),
    },
  )
  await app.listen({ host: '127.0.0.1', port: 0 })
  url = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`
})
after(async () => {
  await app.close()
  for (const s of [api, gateway, web]) s.cleanup()
})

/** An exchanged token as the IdP issues it to the gateway, with `overrides`. */
function phantomJwt(overrides: { aud?: string; boundTo?: TestSecrets } = {}) {
  const bound = overrides.boundTo ?? gateway
  return new SignJWT({
    scope: 'orders:read',
    client_id: 'gateway',
    act: { sub: 'spiffe://retail.mythical.example/gateway' },
    cnf: { 'x5t#S256': certificateThumbprint(new X509Certificate(bound.identity.certPem)) },
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
    .setIssuer(ISSUER)
    .setSubject('katie')
    .setAudience(overrides.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(signingKey)
}

function get(path: string, as: TestSecrets, token?: string) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        ca: api.ca.certPem,
        cert: as.identity.certPem,
        key: as.identity.keyPem,
        agent: false,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let text = ''
        res.on('data', (c: Buffer) => (text += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

const lastReason = () => records.at(-1)?.reason

describe('GET /shopping/products', () => {
  it('the gateway with its certificate-bound phantom JWT gets the catalogue', async () => {
    const res = await get('/shopping/products', gateway, await phantomJwt())
    assert.equal(res.status, 200)
    const products = res.body.products as Record<string, unknown>[]
    assert.ok(products.length > 0)
    assert.deepEqual(Object.keys(products[0] ?? {}).sort(), [
      'currency',
      'description',
      'imageUrl',
      'name',
      'priceCents',
      'sku',
    ])
    assert.equal(records.at(-1)?.decision, 'allow')
    assert.equal(records.at(-1)?.subject, 'katie')
  })

  it('no token: 401', async () => {
    const res = await get('/shopping/products', gateway)
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 'ZT_ERR_TOKEN_MISSING')
    assert.equal(lastReason(), 'token.missing')
  })

  it('a token for another audience: 401', async () => {
    const token = await phantomJwt({ aud: 'https://orders-api.retail.mythical.example' })
    const res = await get('/shopping/products', gateway, token)
    assert.equal(res.status, 401)
    assert.equal(lastReason(), 'token.audience')
  })

  it('a token bound to another certificate: 401', async () => {
    const res = await get('/shopping/products', gateway, await phantomJwt({ boundTo: web }))
    assert.equal(res.status, 401)
    assert.equal(lastReason(), 'cnf.certificate_mismatch')
  })

  it('a direct call bypassing the gateway: 403 before any token check', async () => {
    const res = await get('/shopping/products', web, await phantomJwt({ boundTo: web }))
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_PEER_NOT_ALLOWED')
    assert.equal(lastReason(), 'mtls.peer_not_allowed')
  })
})
