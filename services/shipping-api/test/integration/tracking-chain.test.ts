/**
 * TB10 on the partner's side, every part real: the retail IdP and partner-idp as their own
 * processes (federating over TLS), order-tracking-api as its own process, shipping-api's app with
 * its stack certificate and its own role on the stack's PostgreSQL. Parcels are filed by
 * shipping-api's real `order.placed` effect (as its consumer runs it, in one transaction); the
 * broker path is proven by order-placed-parcels.test.ts and the e2e spec.
 *
 * Katie's partner token reads her parcel; Bob's gets 404 on it; her retail token, an untrusted
 * issuer's token and a token without `tracking:read` are refused — each with the status, problem
 * `code` and order-tracking-api's audit reason.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type pg from 'pg'
import { SignJWT, decodeJwt, generateKeyPair, importJWK } from 'jose'
import { createAuditLogger } from '@mythical/audit'
import { withCustomerScope } from '@mythical/db'
import type { VerifiedEvent } from '@mythical/events'
import { loadWorkloadIdentity } from '@mythical/mtls'
import { loadPairwiseKey, pairwiseSubject } from '@mythical/service-kit'
import { startTestServer } from '@mythical/service-kit/testing'
import {
  federateToPartner,
  freePort,
  newTrace,
  ORDER_TRACKING_RESOURCE,
  paths,
  request,
  requireStack,
  retailTokenForPartner,
  secretJwk,
  signIn,
  redeemCode,
  dpopKey,
  startIdpProcess,
  startServiceProcess,
  type FederationEndpoints,
  type IdpProcess,
  type ServiceProcess,
  type TokenSet,
} from '@mythical/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'
import { parcelFromOrder } from '../../src/parcels/parcel-from-order.ts'

let retail: IdpProcess
let partner: ServiceProcess
let tracking: ServiceProcess
let shipping: Awaited<ReturnType<typeof startTestServer>>
let closeShipping: () => Promise<void>
let pool: pg.Pool
let endpoints: FederationEndpoints
let trackingOrigin: string

const katiesOrder = randomUUID()
const bobsOrder = randomUUID()

/** A shopper signed in at the test retail IdP, as web holds her (DPoP-bound gateway token). */
async function shopper(username: string, password: string) {
  const signedIn = await signIn(retail.issuer, { username, password })
  const dpop = await dpopKey()
  const tokens = await redeemCode(retail.issuer, signedIn, {}, dpop)
  assert.equal(tokens.status, 200, tokens.text)
  return { accessToken: tokens.json<TokenSet>().access_token, dpop }
}

/** shipping-api's effect of an order.placed for `customer`, committed as its consumer would. */
async function fileParcel(orderId: string, customer: string): Promise<void> {
  const handle = parcelFromOrder({
    pairwiseKey: loadPairwiseKey(paths.secrets('shipping-api')),
    retailIssuer: retail.issuer,
  })
  const event: VerifiedEvent = {
    id: randomUUID(),
    type: 'order.placed',
    issuer: 'spiffe://retail.mythical.example/order-fulfillment-api',
    audience: 'shipping-partner',
    issuedAt: Math.floor(Date.now() / 1000),
    data: { orderId, customer, parcel: [{ sku: 'sku-trail-shoe', quantity: 1 }] },
  }
  const db = await pool.connect()
  try {
    await db.query('BEGIN')
    await handle(event, db)
    await db.query('COMMIT')
  } finally {
    db.release()
  }
}

/** `GET /parcels?order=` at the test order-tracking-api, with its trace id. */
async function track(orderId: string, token: string) {
  const trace = newTrace()
  const res = await request(`${trackingOrigin}/parcels?order=${orderId}`, {
    trust: 'shipping',
    headers: { ...trace.headers, authorization: `Bearer ${token}` },
  })
  return { res, trace }
}

/** Status, problem code and the one audit record order-tracking-api wrote for that trace. */
async function assertRefused(
  { res, trace }: Awaited<ReturnType<typeof track>>,
  status: number,
  code: string,
  reason: string,
) {
  assert.equal(res.status, status, res.text)
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
  assert.equal(res.json().code, code)
  const records = await tracking.untilAudited((r) => r.traceId === trace.traceId)
  assert.deepEqual(
    records.map((r) => [r.decision, r.reason, r.boundary]),
    [['deny', reason, 'TB10']],
  )
  return records[0]
}

before(async () => {
  requireStack('shipping-api')
  const [partnerPort, partnerMtlsPort, trackingPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ]
  const partnerIssuer = `https://localhost:${partnerPort}`
  // The retail IdP names this partner IdP as the audience web may exchange for.
  retail = await startIdpProcess({ PARTNER_IDP_ISSUER: partnerIssuer })
  endpoints = { retailIssuer: retail.issuer, partnerIssuer }
  partner = await startServiceProcess(
    'partner-idp',
    {
      PORT: String(partnerPort),
      MTLS_PORT: String(partnerMtlsPort),
      PARTNER_IDP_ISSUER: partnerIssuer,
      IDP_ISSUER: retail.issuer,
      IDP_URL: retail.issuer,
      LOG_LEVEL: 'warn',
    },
    `${partnerIssuer}/.well-known/openid-configuration`,
  )

  const config = loadServiceConfig({
    SERVICE_NAME: 'shipping-api',
    HOST: '127.0.0.1',
    PORT: '1',
    SECRETS_DIR: paths.secrets('shipping-api'),
    PKI_DIR: paths.pki,
    LOG_LEVEL: 'silent',
    IDP_ISSUER: retail.issuer,
  })
  const app = buildApp(config, {
    audit: createAuditLogger({ service: 'shipping-api', level: 'silent' }),
  })
  pool = app.pool
  closeShipping = app.close
  shipping = await startTestServer(
    app.app,
    loadWorkloadIdentity(paths.secrets('shipping-api')),
    'internal',
  )

  trackingOrigin = `https://localhost:${trackingPort}`
  tracking = await startServiceProcess(
    'order-tracking-api',
    {
      PORT: String(trackingPort),
      PARTNER_IDP_ISSUER: partnerIssuer,
      PARTNER_IDP_URL: partnerIssuer,
      IDP_ISSUER: retail.issuer,
      SHIPPING_API_URL: shipping.url,
      LOG_LEVEL: 'info',
    },
    `${trackingOrigin}/healthz`,
  )
  await fileParcel(katiesOrder, 'katie')
  await fileParcel(bobsOrder, 'bob')
})

// Each step only if set up, so a failed start ends the run instead of leaving servers open.
after(async () => {
  await (tracking as ServiceProcess | undefined)?.stop()
  await (shipping as typeof shipping | undefined)?.close()
  await closeShipping?.()
  await (partner as ServiceProcess | undefined)?.stop()
  await (retail as IdpProcess | undefined)?.stop()
})

describe('parcel tracking across the federation (TB10)', () => {
  test('Katie’s partner token reads her parcel, filed under her pairwise subject', async () => {
    const partnerToken = await federateToPartner(
      await shopper('katie', 'katie-loves-shopping'),
      endpoints,
    )
    const katie = pairwiseSubject(
      loadPairwiseKey(paths.secrets('partner-idp')),
      retail.issuer,
      'katie',
    )
    assert.equal(decodeJwt(partnerToken).sub, katie, 'partner-idp and shipping-api agree')

    const { res, trace } = await track(katiesOrder, partnerToken)
    assert.equal(res.status, 200, res.text)
    const { parcels } = res.json<{
      parcels: { orderId: string; status: string; events: { status: string; at: string }[] }[]
    }>()
    assert.equal(parcels.length, 1)
    assert.equal(parcels[0]?.orderId, katiesOrder)
    assert.equal(parcels[0]?.status, 'label-created')
    assert.deepEqual(
      parcels[0]?.events.map((e) => e.status),
      ['label-created'],
    )
    const [record] = await tracking.untilAudited((r) => r.traceId === trace.traceId)
    assert.deepEqual(
      [record?.decision, record?.reason, record?.subject, record?.client],
      ['allow', 'access.granted', katie, 'web'],
    )
    // The partner's database files the parcel under her pairwise subject, never her retail one.
    const countUnder = (subject: string) =>
      withCustomerScope(pool, subject, async (db) => {
        const { rows } = await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM parcels WHERE order_id = $1',
          [katiesOrder],
        )
        return rows[0]?.n
      })
    assert.deepEqual([await countUnder(katie), await countUnder('katie')], ['1', '0'])
  })

  test('Bob’s partner token on Katie’s order: 404, audited parcel.not_found', async () => {
    const bobsToken = await federateToPartner(await shopper('bob', 'bob-buys-bikes'), endpoints)
    const record = await assertRefused(
      await track(katiesOrder, bobsToken),
      404,
      'ZT_ERR_PARCEL_NOT_FOUND',
      'parcel.not_found',
    )
    assert.equal(record?.subject, decodeJwt(bobsToken).sub)
    // His own order is his.
    assert.equal((await track(bobsOrder, bobsToken)).res.status, 200)
  })

  test('Katie’s retail token is refused at the partner API', async () => {
    const retailJwt = await retailTokenForPartner(
      await shopper('katie', 'katie-loves-shopping'),
      endpoints,
    )
    await assertRefused(
      await track(katiesOrder, retailJwt),
      401,
      'ZT_ERR_TOKEN_INVALID',
      'token.retail_issuer',
    )
  })

  test('a self-made issuer’s token and a partner token without tracking:read are refused', async () => {
    const now = Math.floor(Date.now() / 1000)
    const claims = {
      aud: ORDER_TRACKING_RESOURCE,
      sub: 'anyone',
      scope: 'tracking:read',
      iat: now,
      exp: now + 300,
    }
    const attacker = await generateKeyPair('ES256')
    const forged = await new SignJWT({ ...claims, iss: 'https://attacker.example' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'attacker' })
      .sign(attacker.privateKey)
    await assertRefused(
      await track(katiesOrder, forged),
      401,
      'ZT_ERR_TOKEN_INVALID',
      'token.issuer',
    )

    const jwk = secretJwk('partner-idp')
    const unscoped = await new SignJWT({ ...claims, iss: endpoints.partnerIssuer, scope: 'openid' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid ?? '' })
      .sign(await importJWK(jwk, 'ES256'))
    await assertRefused(
      await track(katiesOrder, unscoped),
      403,
      'ZT_ERR_INSUFFICIENT_SCOPE',
      'scope.insufficient',
    )
  })
})
