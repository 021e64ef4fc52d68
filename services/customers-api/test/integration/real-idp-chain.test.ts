/**
 * customers-api with real tokens from the real retail IdP (its own process): Katie signs in as
 * the web BFF does, the gateway exchanges her token for my-shopping-api, my-shopping-api exchanges
 * that for customers-api (`customers:read`, bound to its certificate), and customers-api — keys
 * fetched from the IdP, its own database login — answers her own profile and points only. The
 * token one hop up, forwarded unchanged, is refused.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  captureAuditLines,
  exchangeChain,
  serveForMtlsCalls,
  stackWorkload,
  testServiceEnv,
} from '@mythical/service-kit/testing'
import {
  paths,
  redeemCode,
  requireStack,
  signIn,
  startIdpProcess,
  type IdpProcess,
  type TokenSet,
} from '@mythical/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

const shopping = stackWorkload('my-shopping-api')

describe('customers-api behind the real IdP (TB06 with real exchanged tokens)', () => {
  let idp: IdpProcess
  let api: Awaited<ReturnType<typeof serveForMtlsCalls>>
  /** What the gateway forwards to my-shopping-api, and what my-shopping-api sends here. */
  let phantom: string
  let forCustomers: string
  before(async () => {
    requireStack()
    idp = await startIdpProcess()
    const { audit, lines } = captureAuditLines('customers-api')
    const config = loadServiceConfig(
      testServiceEnv('customers-api', paths.secrets('customers-api'), {
        PKI_DIR: paths.pki,
        IDP_ISSUER: idp.issuer,
        IDP_URL: idp.issuer,
        IDP_MTLS_URL: idp.mtlsUrl,
        SEED_DEMO_DATA: 'true',
      }),
    )
    api = await serveForMtlsCalls(await buildApp(config, { audit }), lines)

    const signedIn = await signIn(idp.issuer, {
      username: 'katie',
      password: 'katie-loves-shopping',
    })
    const tokens = await redeemCode(idp.issuer, signedIn)
    assert.equal(tokens.status, 200, tokens.text)
    const opaque = tokens.json<TokenSet>().access_token
    const chain = await exchangeChain(idp.issuer, opaque, [
      { by: 'gateway', audience: 'my-shopping-api' },
      { by: 'my-shopping-api', audience: 'customers-api', scope: 'customers:read' },
    ])
    phantom = chain[0] ?? ''
    forCustomers = chain[1] ?? ''
  })
  after(async () => {
    await api?.close()
    await idp?.stop()
  })

  it("answers Katie's own profile from her real exchanged token", async () => {
    const res = await api.call(shopping, 'GET', '/customers/me', forCustomers)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, { sub: 'katie', name: 'Katie', email: 'katie@example.com' })
    assert.equal(res.records[0]?.reason, 'access.granted')
    assert.equal(res.records[0]?.subject, 'katie')
    assert.deepEqual(res.records[0]?.act, {
      sub: shopping.spiffeId,
      act: { sub: stackWorkload('gateway').spiffeId },
    })
  })

  it('answers her points and history (the demo data)', async () => {
    const res = await api.call(shopping, 'GET', '/customers/me/loyalty', forCustomers)
    assert.equal(res.status, 200)
    assert.ok(Number(res.body.points) >= 125)
  })

  it('refuses the token one hop up forwarded unchanged: 401 ZT_ERR_TOKEN_FORWARDED', async () => {
    const res = await api.call(shopping, 'GET', '/customers/me', phantom)
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 'ZT_ERR_TOKEN_FORWARDED')
    assert.equal(res.records[0]?.reason, 'token.forwarded_unchanged')
  })

  it('refuses the real token on the staff lookup (not a sales associate caller): 403', async () => {
    const res = await api.call(shopping, 'GET', '/customers?q=katie', forCustomers)
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_PEER_NOT_ALLOWED')
  })
})
