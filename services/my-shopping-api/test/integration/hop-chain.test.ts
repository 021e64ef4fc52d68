/**
 * The hop kit through a real chain: the real retail IdP (its own process, real TLS, the stack's
 * PostgreSQL and keys), Katie signed in as the web BFF does, the gateway's token exchange (client
 * `gateway`, `tls_client_auth`), my-shopping-api with its real token client exchanging again for
 * customers-api, and a customers-api stand-in on the same hop kit verifying what it receives
 * against the IdP's real keys. TB04–TB06: the legitimate chain, then the attacks — the user token
 * forwarded unchanged, a token bound to another workload, a wider scope, a bypass of the gateway.
 * Last, the same my-shopping-api in front of the real system and process APIs — customers-api,
 * recommendations-api, order-fulfillment-api with orders-api and the card vault — each its own
 * process with its stack login and database: Katie's order through every hop.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { findProduct } from '@mythical/catalogue'
import { OAuthKitError } from '@mythical/oauth'
import { createHopService } from '@mythical/service-kit'
import {
  assertDenied,
  captureAuditLines,
  createHopTestClient,
  stackWorkload,
  testServiceEnv,
  workloadTokenClient,
  type HopTestClient,
} from '@mythical/service-kit/testing'
import { resourceUri, serviceByName } from '@mythical/stack'
import {
  paths,
  phantomFor,
  requireStack,
  startIdpProcess,
  startRetailChain,
  type IdpProcess,
  type RetailChain,
} from '@mythical/testing'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

const identity = stackWorkload
const audienceOf = (service: string) => resourceUri(serviceByName(service))
const spiffe = (service: string) => `spiffe://retail.mythical.example/${service}`

let idp: IdpProcess
let customers: FastifyInstance
let api: FastifyInstance
let toApi: HopTestClient
let toCustomers: HopTestClient
const apiLog = captureAuditLines('my-shopping-api')
const customersLog = captureAuditLines('customers-api')
const auditOf = (log: typeof apiLog) => () => log.lines.filter((l) => l.audit === true)
const closers: (() => Promise<unknown>)[] = []
let seenByCustomers: Record<string, unknown> | undefined

/** A workload's own client at the real IdP, closed after the suite. */
function tokenClientOf(service: string) {
  const client = workloadTokenClient(idp.issuer, service, stackWorkload(service))
  closers.push(() => client.close())
  return client
}

const listen = async (app: FastifyInstance) => {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `https://localhost:${(app.server.address() as AddressInfo).port}`
}

/** What the gateway forwards for a shopper: her token exchanged for my-shopping-api. */
const phantomOf = (username: string, password: string) =>
  phantomFor(idp, { username, password }, 'my-shopping-api')

/** The system and process APIs behind my-shopping-api, each its own process (started early). */
const CHAIN = [
  'customers-api',
  'recommendations-api',
  'orders-api',
  'tokenization-api',
  'order-fulfillment-api',
]
let chainStarting: Promise<RetailChain>

let katieSub: string
/** What the gateway forwards: Katie's token exchanged for my-shopping-api, bound to the gateway. */
let phantom: string

before(async () => {
  requireStack()
  idp = await startIdpProcess()
  closers.push(() => idp.stop())
  // The chain starts while the first suites run; the last one waits for it.
  chainStarting = startRetailChain(idp, CHAIN, { 'customers-api': { SEED_DEMO_DATA: 'true' } })
  chainStarting.then(
    (chain) => closers.push(() => chain.stop()),
    () => undefined,
  )

  const { app: customersApp } = await createHopService({
    name: 'customers-api',
    identity: identity('customers-api'),
    audit: customersLog.audit,
    idp: { issuer: idp.issuer, url: idp.issuer },
  })
  customers = customersApp
  customers.get(
    '/customers/me',
    { config: { access: { scopes: ['customers:read'] } } },
    async (request) => {
      seenByCustomers = {
        subject: request.access?.subject,
        act: request.access?.act,
        scopes: request.access?.scopes,
      }
      return { sub: request.access?.subject, name: 'Katie', email: 'katie@example.com' }
    },
  )
  const customersUrl = await listen(customers)

  api = await buildApp(
    loadServiceConfig(
      testServiceEnv('my-shopping-api', paths.secrets('my-shopping-api'), {
        IDP_ISSUER: idp.issuer,
        IDP_URL: idp.issuer,
        CUSTOMERS_API_URL: customersUrl,
      }),
    ),
    { audit: apiLog.audit },
  )
  const apiUrl = await listen(api)
  toApi = createHopTestClient(
    apiUrl,
    { gateway: identity('gateway'), web: identity('web') },
    auditOf(apiLog),
  )
  toCustomers = createHopTestClient(
    customersUrl,
    {
      'my-shopping-api': identity('my-shopping-api'),
      'shop-assistant-api': identity('shop-assistant-api'),
    },
    auditOf(customersLog),
  )

  phantom = await phantomOf('katie', 'katie-loves-shopping')
  katieSub = String(
    JSON.parse(Buffer.from(phantom.split('.')[1] ?? '', 'base64url').toString()).sub,
  )
})

after(async () => {
  await toApi?.close()
  await toCustomers?.close()
  await api?.close()
  await customers?.close()
  for (const close of closers.reverse()) await close()
})

describe('the legitimate chain', () => {
  it('gateway → my-shopping-api → customers-api: each hop sees sub, the act chain, one scope', async () => {
    const res = await toApi.call('GET', '/shopping/me', { token: phantom })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.sub, katieSub)
    assert.equal(res.records[0]?.reason, 'access.granted')
    assert.equal(res.records[0]?.boundary, 'TB04')
    assert.deepEqual(res.records[0]?.act, { sub: spiffe('gateway') })
    assert.deepEqual(seenByCustomers, {
      subject: katieSub,
      act: { sub: spiffe('my-shopping-api'), act: { sub: spiffe('gateway') } },
      scopes: ['customers:read'],
    })
    const granted = auditOf(customersLog)().at(-1)
    assert.equal(granted?.boundary, 'TB06')
    assert.equal(granted?.caller, spiffe('my-shopping-api'))
    assert.equal(granted?.client, 'my-shopping-api')
  })

  it('the exchange is cached per subject token and audience: no second exchange', async () => {
    const exchanges = () =>
      idp.audit.filter(
        (r) => r.reason === 'token_exchange.issued' && r.client === 'my-shopping-api',
      ).length
    await toApi.call('GET', '/shopping/me', { token: phantom })
    const before = exchanges()
    assert.ok(before > 0, 'the IdP audited the first exchange')
    const res = await toApi.call('GET', '/shopping/me', { token: phantom })
    assert.equal(res.status, 200)
    assert.equal(exchanges(), before)
  })
})

describe('attacks on the hops, refused with the real IdP tokens', () => {
  it('the user token forwarded unchanged to the next hop: 401 forwarded', async () => {
    const res = await toCustomers.call('GET', '/customers/me', {
      as: 'my-shopping-api',
      token: phantom,
    })
    assertDenied(res, 401, 'ZT_ERR_TOKEN_FORWARDED', 'token.forwarded_unchanged')
  })

  it("a token bound to another workload's certificate: 401", async () => {
    // Issued to my-shopping-api for customers-api, presented by shop-assistant-api (also a
    // caller of customers-api, so only the binding stops it).
    const stolen = await tokenClientOf('my-shopping-api').exchangeTokenFor(
      phantom,
      audienceOf('customers-api'),
      { scope: 'customers:read' },
    )
    const res = await toCustomers.call('GET', '/customers/me', {
      as: 'shop-assistant-api',
      token: stolen.accessToken,
    })
    assertDenied(res, 401, 'ZT_ERR_TOKEN_NOT_BOUND', 'cnf.certificate_mismatch')
  })

  it('a wider scope than the subject token holds is never issued', async () => {
    await assert.rejects(
      tokenClientOf('my-shopping-api').exchangeTokenFor(phantom, audienceOf('customers-api'), {
        scope: 'customers:write',
      }),
      (err) => err instanceof OAuthKitError && err.code === 'authorization_server.refused',
    )
  })

  it('a token for another audience (an exchanged token replayed at the wrong API): 401', async () => {
    const forCustomers = await tokenClientOf('my-shopping-api').exchangeTokenFor(
      phantom,
      audienceOf('customers-api'),
      { scope: 'customers:read' },
    )
    const res = await toApi.call('GET', '/shopping/me', { token: forCustomers.accessToken })
    assertDenied(res, 401, 'ZT_ERR_TOKEN_AUDIENCE', 'token.audience')
  })

  it('a direct call that bypasses the gateway: 403', async () => {
    const res = await toApi.call('GET', '/shopping/me', { as: 'web', token: phantom })
    assertDenied(res, 403, 'ZT_ERR_PEER_NOT_ALLOWED', 'mtls.peer_not_allowed')
  })
})

describe('in front of the real system APIs (real IdP, real databases)', () => {
  let real: HopTestClient

  before(async () => {
    const chain = await chainStarting
    const urlOf = (service: string) => chain[service]?.url ?? ''
    const shoppingApi = await buildApp(
      loadServiceConfig(
        testServiceEnv('my-shopping-api', paths.secrets('my-shopping-api'), {
          PKI_DIR: paths.pki,
          IDP_ISSUER: idp.issuer,
          IDP_URL: idp.issuer,
          CUSTOMERS_API_URL: urlOf('customers-api'),
          RECOMMENDATIONS_API_URL: urlOf('recommendations-api'),
          ORDER_FULFILLMENT_API_URL: urlOf('order-fulfillment-api'),
        }),
      ),
      { audit: apiLog.audit },
    )
    closers.push(() => shoppingApi.close())
    real = createHopTestClient(
      await listen(shoppingApi),
      { gateway: identity('gateway') },
      auditOf(apiLog),
    )
    closers.push(() => real.close())
  })

  it("GET /shopping/me: Katie's own profile from customers-api", async () => {
    const res = await real.call('GET', '/shopping/me', { token: phantom })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, { sub: katieSub, name: 'Katie', email: 'katie@example.com' })
  })

  it('GET /shopping/me/loyalty: her points and history', async () => {
    const res = await real.call('GET', '/shopping/me/loyalty', { token: phantom })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(typeof res.body.points, 'number')
    assert.ok(Array.isArray(res.body.history))
  })

  it('GET /shopping/me/recommendations: products with a reason', async () => {
    const res = await real.call('GET', '/shopping/me/recommendations', { token: phantom })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const products = res.body.products as Record<string, unknown>[]
    assert.ok(products.length > 0)
    assert.deepEqual(Object.keys(products[0] ?? {}).sort(), ['name', 'reason', 'sku'])
  })

  const card = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030, cvc: '123' }
  const idempotencyKey = `hop-chain-${Date.now()}`
  let placed: Record<string, unknown>

  it('POST /shopping/me/orders: Katie orders through every hop; 201 with brand and last 4', async () => {
    const res = await real.call('POST', '/shopping/me/orders', {
      token: phantom,
      headers: { 'idempotency-key': idempotencyKey },
      body: { items: [{ sku: 'sku-helmet', quantity: 2 }], card },
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    placed = res.body
    assert.equal(res.headers.location, `/shopping/me/orders/${String(placed.id)}`)
    assert.deepEqual(placed.card, { brand: 'visa', last4: '1111' })
    assert.equal(placed.totalCents, 2 * (findProduct('sku-helmet')?.priceCents ?? 0))
    assert.doesNotMatch(JSON.stringify(placed), /4111 ?1111 ?1111/)
  })

  it('the same Idempotency-Key again: 200 with the same order, not placed twice', async () => {
    const res = await real.call('POST', '/shopping/me/orders', {
      token: phantom,
      headers: { 'idempotency-key': idempotencyKey },
      body: { items: [{ sku: 'sku-helmet', quantity: 2 }], card },
    })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal(res.body.id, placed.id)
    assert.deepEqual(res.body.items, placed.items)
  })

  it('GET /shopping/me/orders and /{id}: her order, read back through every hop', async () => {
    const list = await real.call('GET', '/shopping/me/orders', { token: phantom })
    assert.equal(list.status, 200, JSON.stringify(list.body))
    assert.ok((list.body.orders as { id: unknown }[]).some((o) => o.id === placed.id))
    const one = await real.call('GET', `/shopping/me/orders/${String(placed.id)}`, {
      token: phantom,
    })
    assert.equal(one.status, 200, JSON.stringify(one.body))
    assert.deepEqual(one.body.items, placed.items)
  })

  it("Bob asking for Katie's order: 404", async () => {
    const bob = await phantomOf('bob', 'bob-buys-bikes')
    const res = await real.call('GET', `/shopping/me/orders/${String(placed.id)}`, { token: bob })
    assert.equal(res.status, 404, JSON.stringify(res.body))
    assert.equal(res.body.code, 'ZT_ERR_NOT_FOUND')
  })

  it("the card number is in none of my-shopping-api's log lines", () => {
    const text = JSON.stringify(apiLog.lines)
    assert.doesNotMatch(text, /4111[ -]?1111[ -]?1111[ -]?1111/)
  })
})
