/**
 * orders-api with real tokens from the real retail IdP (its own process): Katie and Bob sign in
 * as the web BFF does, and their tokens travel the real exchanges gateway → my-shopping-api →
 * order-fulfillment-api → orders-api. orders-api (keys fetched from the IdP, its own database
 * login) stores Katie's order under her subject; Bob's real token finds nothing of hers (404,
 * row-level security), and a token one hop up, forwarded unchanged, is refused.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
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

const fulfillment = stackWorkload('order-fulfillment-api')

describe('orders-api behind the real IdP (TB06 with real exchanged tokens)', () => {
  let idp: IdpProcess
  let api: Awaited<ReturnType<typeof serveForMtlsCalls>>

  /** The user's token after the real chain, as order-fulfillment-api sends it here. */
  async function tokensOf(username: string, password: string, scope: string) {
    const tokens = await redeemCode(idp.issuer, await signIn(idp.issuer, { username, password }))
    assert.equal(tokens.status, 200, tokens.text)
    return exchangeChain(idp.issuer, tokens.json<TokenSet>().access_token, [
      { by: 'gateway', audience: 'my-shopping-api' },
      { by: 'my-shopping-api', audience: 'order-fulfillment-api', scope },
      { by: 'order-fulfillment-api', audience: 'orders-api', scope },
    ])
  }

  before(async () => {
    requireStack()
    idp = await startIdpProcess()
    const { audit, lines } = captureAuditLines('orders-api')
    const config = loadServiceConfig(
      testServiceEnv('orders-api', paths.secrets('orders-api'), {
        PKI_DIR: paths.pki,
        IDP_ISSUER: idp.issuer,
        IDP_URL: idp.issuer,
      }),
    )
    api = await serveForMtlsCalls(await buildApp(config, { audit }), lines)
  })
  after(async () => {
    await api?.close()
    await idp?.stop()
  })

  it("stores Katie's order under her subject, invisible to Bob's real token", async () => {
    const [, forFulfillment = '', katieWrite = ''] = await tokensOf(
      'katie',
      'katie-loves-shopping',
      'orders:write',
    )
    const order = {
      id: randomUUID(),
      items: [{ sku: 'sku-helmet', quantity: 1, priceCents: 6900 }],
      totalCents: 6900,
      currency: 'EUR',
      card: { brand: 'visa', last4: '1111' },
      traceId: randomUUID().replaceAll('-', ''),
    }
    const placed = await api.call(fulfillment, 'POST', '/orders', katieWrite, order)
    assert.equal(placed.status, 201, JSON.stringify(placed.body))
    assert.equal(placed.records[0]?.subject, 'katie')
    assert.equal(placed.records[0]?.client, 'order-fulfillment-api')

    const [, , bobRead = ''] = await tokensOf('bob', 'bob-buys-bikes', 'orders:read')
    const idor = await api.call(fulfillment, 'GET', `/orders/${order.id}`, bobRead)
    assert.equal(idor.status, 404)
    assert.equal(idor.body.code, 'ZT_ERR_NOT_FOUND')
    const bobs = await api.call(fulfillment, 'GET', '/orders', bobRead)
    assert.ok(!(bobs.body.orders as { id: string }[]).some((o) => o.id === order.id))

    // The token order-fulfillment-api received, forwarded instead of exchanged.
    const forwarded = await api.call(fulfillment, 'GET', '/orders', forFulfillment)
    assert.equal(forwarded.status, 401)
    assert.equal(forwarded.body.code, 'ZT_ERR_TOKEN_FORWARDED')
    assert.equal(forwarded.records[0]?.reason, 'token.forwarded_unchanged')
  })
})
