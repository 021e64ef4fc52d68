/**
 * The OAuth kit's client roles against the real retail IdP (real TLS, real PostgreSQL):
 * introspection with verified RFC 9701 JWT responses (cached, revocation reaches the caller
 * within the cache cap), token exchange and client credentials over the mTLS alias with
 * `tls_client_auth` (cached per subject token + audience), the exchanged token verified with the
 * kit's verifyAccessToken over a CA-pinned JWKS fetch, and the certificate binding of that token.
 */
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout } from 'node:timers/promises'
import { createMtlsAgent, loadWorkloadIdentity } from '@mythical/mtls'
import {
  OAuthKitError,
  TOKEN_TYPE,
  assertCertificateBound,
  createAccessTokenVerifier,
  createAuthorizationServerClient,
  createIntrospectionClient,
  createIssuerKeySet,
  createTokenClient,
} from '@mythical/oauth'
import type { AuthorizationServerClient } from '@mythical/oauth'
import {
  request,
  workloadCert,
  redeemCode,
  signIn,
  type TokenSet,
  clientAuth,
  requireStack,
  paths,
} from '@mythical/testing'
import { startIdp } from './support/idp-server.ts'
import type { RunningIdp } from './support/idp-server.ts'

const MY_SHOPPING_API = 'https://my-shopping-api.retail.mythical.example'
const ORDERS_API = 'https://orders-api.retail.mythical.example'

let run: RunningIdp
let katieToken: string
const agents: { close(): Promise<void> }[] = []

/** The kit as workload `service` uses it: tls_client_auth over its mTLS agent. */
function kitClient(service: string, issuer = run.issuer): AuthorizationServerClient {
  const agent = createMtlsAgent(loadWorkloadIdentity(paths.secrets(service)))
  agents.push(agent)
  return createAuthorizationServerClient({
    issuer,
    clientId: service,
    authentication: { method: 'tls_client_auth' },
    dispatcher: agent,
  })
}

async function katieSignsIn(): Promise<string> {
  const signedIn = await signIn(run.issuer, { username: 'katie', password: 'katie-loves-shopping' })
  const res = await redeemCode(run.issuer, signedIn)
  assert.equal(res.status, 200, res.text)
  return res.json<TokenSet>().access_token
}

/** The kit refused with reason `code` (and the IdP's OAuth error, when given). */
const refused = (promise: Promise<unknown>, code: string, oauthError?: string) =>
  assert.rejects(promise, { name: 'OAuthKitError', code, ...(oauthError ? { oauthError } : {}) })

before(async () => {
  requireStack()
  run = await startIdp()
  katieToken = await katieSignsIn()
})
after(async () => {
  await Promise.all(agents.map((agent) => agent.close()))
  await run.stop()
})

describe('introspection client (RFC 7662 + RFC 9701)', () => {
  test('the gateway introspects Katie’s opaque token: verified JWT answer, cached', async () => {
    const introspection = createIntrospectionClient({ server: kitClient('gateway') })
    const active = await introspection.introspect(katieToken)
    assert.equal(active.active, true)
    assert.equal(active.sub, 'katie')
    assert.equal(active.client_id, 'web')
    assert.equal(typeof active.cnf?.jkt, 'string', 'DPoP-bound: the proof key thumbprint')
    assert.equal(await introspection.introspect(katieToken), active, 'second call from the cache')
  })

  test('an unknown token is inactive', async () => {
    const introspection = createIntrospectionClient({ server: kitClient('gateway') })
    await refused(introspection.introspect('not-a-token-the-idp-issued'), 'introspection.inactive')
  })

  test('a client not allowed to introspect learns nothing: inactive (RFC 7662 §2.2)', async () => {
    const introspection = createIntrospectionClient({ server: kitClient('orders-api') })
    await refused(introspection.introspect(katieToken), 'introspection.inactive')
  })

  test('revocation reaches the caller within the cache cap', async () => {
    const token = await katieSignsIn()
    const introspection = createIntrospectionClient({
      server: kitClient('gateway'),
      maxCacheSeconds: 1,
    })
    await introspection.introspect(token)
    const revoked = await request(`${run.issuer}/token/revocation`, {
      form: { ...(await clientAuth('web', run.issuer)), token, token_type_hint: 'access_token' },
    })
    assert.equal(revoked.status, 200)
    await introspection.introspect(token) // still cached: the documented bound
    await setTimeout(1100)
    await refused(introspection.introspect(token), 'introspection.inactive')
  })

  test('IdP unreachable: refused, never active (fail closed)', async () => {
    const introspection = createIntrospectionClient({
      server: kitClient('gateway', 'https://localhost:1'),
    })
    await refused(introspection.introspect(katieToken), 'authorization_server.unavailable')
  })
})

describe('token client (RFC 8693 token exchange, client credentials) over the mTLS alias', () => {
  const verifierFor = (audience: string) =>
    createAccessTokenVerifier({
      issuer: run.issuer,
      audience,
      algorithms: ['ES256'],
      keys: createIssuerKeySet({
        jwksUri: `${run.issuer}/jwks`,
        caPem: readFileSync(paths.caCert('retail'), 'utf8'),
      }),
    })

  test('gateway exchanges Katie’s token for my-shopping-api: act chain, cert-bound, cached', async () => {
    const tokens = createTokenClient({ server: kitClient('gateway') })
    const issued = await tokens.exchangeTokenFor(katieToken, MY_SHOPPING_API, {
      scope: 'orders:read',
    })
    assert.equal(issued.issuedTokenType, TOKEN_TYPE.accessToken)
    const { payload } = await verifierFor(MY_SHOPPING_API).verify(issued.accessToken)
    assert.equal(payload.sub, 'katie')
    assert.deepEqual(payload.act, { sub: 'spiffe://retail.mythical.example/gateway' })
    assert.equal(payload.scope, 'orders:read')

    const gatewayCert = new X509Certificate(workloadCert('gateway').cert)
    assertCertificateBound(payload, gatewayCert)
    assert.throws(
      () => assertCertificateBound(payload, new X509Certificate(workloadCert('orders-api').cert)),
      (err: unknown) => err instanceof OAuthKitError && err.code === 'cnf.certificate_mismatch',
    )
    const again = await tokens.exchangeTokenFor(katieToken, MY_SHOPPING_API, {
      scope: 'orders:read',
    })
    assert.equal(again.accessToken, issued.accessToken, 'cached per subject token + audience')
    await refused(verifierFor(ORDERS_API).verify(issued.accessToken), 'token.audience')
  })

  test('an audience outside the call graph is refused by the IdP', async () => {
    const tokens = createTokenClient({ server: kitClient('gateway') })
    await refused(tokens.exchangeTokenFor(katieToken, ORDERS_API), 'authorization_server.refused')
  })

  test('client credentials for a machine call, cached', async () => {
    const tokens = createTokenClient({ server: kitClient('order-fulfillment-api') })
    const issued = await tokens.clientCredentialsFor(ORDERS_API)
    const { payload } = await verifierFor(ORDERS_API).verify(issued.accessToken)
    assert.equal(payload.client_id, 'order-fulfillment-api')
    assert.equal(payload.sub, 'order-fulfillment-api')
    assert.equal((await tokens.clientCredentialsFor(ORDERS_API)).accessToken, issued.accessToken)
  })

  test('a JWKS certified by another domain’s CA is refused (CA pinning)', async () => {
    const tokens = createTokenClient({ server: kitClient('gateway') })
    const { accessToken } = await tokens.exchangeTokenFor(katieToken, MY_SHOPPING_API)
    const pinnedToShipping = createAccessTokenVerifier({
      issuer: run.issuer,
      audience: MY_SHOPPING_API,
      algorithms: ['ES256'],
      keys: createIssuerKeySet({
        jwksUri: `${run.issuer}/jwks`,
        caPem: readFileSync(join(paths.pki, 'shipping', 'ca.pem'), 'utf8'),
      }),
    })
    await refused(pinnedToShipping.verify(accessToken), 'jwks.unavailable')
  })
})
