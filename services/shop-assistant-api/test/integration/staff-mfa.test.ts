/**
 * TB11 with the real retail IdP: Sam signs in to the staff client with password + TOTP, the
 * gateway exchanges his token for shop-assistant-api, and the API admits him on the role and the
 * MFA the IdP put into the exchanged token (`groups`, `acr`, `amr` carried through the exchange),
 * then exchanges again for customers-api (a stand-in on the hop kit verifying with the IdP's real
 * keys). Katie's token, exchanged the same way, is refused 403: she holds no staff role. Last,
 * the same API in front of the real customers-api, run as its own process (its database, its
 * registration at the IdP).
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { ACR_MFA } from '@mythical/stack'
import { createHopService } from '@mythical/service-kit'
import {
  assertDenied,
  captureAuditLines,
  createHopTestClient,
  stackWorkload,
  testServiceEnv,
  type HopTestClient,
} from '@mythical/service-kit/testing'
import {
  paths,
  phantomFor as phantomOf,
  requireStack,
  startChainService,
  startIdpProcess,
  type IdpProcess,
  type SignInOptions,
} from '@mythical/testing'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

let idp: IdpProcess
let customers: FastifyInstance
let api: FastifyInstance
let client: HopTestClient
const log = captureAuditLines('shop-assistant-api')
let seenByCustomers: Record<string, unknown> | undefined
let samToken: string
/** What the last suite started, closed before the IdP stops. */
const closers: (() => Promise<unknown>)[] = []

/** What the gateway forwards for a user who signed in with `options`. */
const phantomFor = (options: SignInOptions) => phantomOf(idp, options, 'shop-assistant-api')

const listen = async (app: FastifyInstance) => {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `https://localhost:${(app.server.address() as AddressInfo).port}`
}

before(async () => {
  requireStack()
  idp = await startIdpProcess()
  ;({ app: customers } = await createHopService({
    name: 'customers-api',
    identity: stackWorkload('customers-api'),
    audit: captureAuditLines('customers-api').audit,
    idp: { issuer: idp.issuer, url: idp.issuer },
  }))
  customers.get(
    '/customers',
    { config: { access: { scopes: ['customers:read'], callers: ['shop-assistant-api'] } } },
    async (request) => {
      seenByCustomers = {
        subject: request.access?.subject,
        groups: request.access?.groups,
        acr: request.access?.acr,
        scopes: request.access?.scopes,
      }
      return { customers: [{ sub: 'k', name: 'Katie', email: 'k@example.com', loyaltyPoints: 3 }] }
    },
  )
  const customersUrl = await listen(customers)
  api = await buildApp(
    loadServiceConfig(
      testServiceEnv('shop-assistant-api', paths.secrets('shop-assistant-api'), {
        IDP_ISSUER: idp.issuer,
        IDP_URL: idp.issuer,
        CUSTOMERS_API_URL: customersUrl,
      }),
    ),
    { audit: log.audit },
  )
  client = createHopTestClient(await listen(api), { gateway: stackWorkload('gateway') }, () =>
    log.lines.filter((l) => l.audit === true),
  )
})

after(async () => {
  for (const close of closers.reverse()) await close()
  await client?.close()
  await api?.close()
  await customers?.close()
  await idp?.stop()
})

describe('staff ↔ shop-assistant-api with the real IdP (TB11)', () => {
  it('Sam with password + TOTP looks customers up; role and MFA reach every hop', async () => {
    samToken = await phantomFor({
      client: 'web-staff',
      username: 'sam',
      password: 'sam-sells-shoes',
      totpSecret: 'JBSWY3DPEHPK3PXP',
      params: { scope: 'openid profile customers:read customers:write' },
    })
    const res = await client.call('GET', '/assistant/customers?q=kat', { token: samToken })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.equal((res.body.customers as unknown[]).length, 1)
    assert.equal(res.records[0]?.reason, 'access.granted')
    assert.equal(seenByCustomers?.acr, ACR_MFA)
    assert.deepEqual(seenByCustomers?.groups, ['sales-associate'])
    assert.deepEqual(seenByCustomers?.scopes, ['customers:read'])
  })

  it("Katie's token, exchanged the same way: 403, no step-up offered", async () => {
    const token = await phantomFor({ username: 'katie', password: 'katie-loves-shopping' })
    const res = await client.call('GET', '/assistant/customers?q=kat', { token })
    assertDenied(res, 403, 'ZT_ERR_ROLE_REQUIRED', 'role.missing')
    assert.equal(res.headers['www-authenticate'], undefined)
  })
})

describe('in front of the real customers-api (real IdP, real database)', () => {
  let real: HopTestClient
  before(async () => {
    const customersApi = await startChainService('customers-api', idp, { SEED_DEMO_DATA: 'true' })
    closers.push(() => customersApi.stop())
    const staffApi = await buildApp(
      loadServiceConfig(
        testServiceEnv('shop-assistant-api', paths.secrets('shop-assistant-api'), {
          PKI_DIR: paths.pki,
          IDP_ISSUER: idp.issuer,
          IDP_URL: idp.issuer,
          CUSTOMERS_API_URL: customersApi.url,
        }),
      ),
      { audit: log.audit },
    )
    real = createHopTestClient(await listen(staffApi), { gateway: stackWorkload('gateway') }, () =>
      log.lines.filter((l) => l.audit === true),
    )
    closers.push(
      () => staffApi.close(),
      () => real.close(),
    )
  })

  it('Sam finds Katie, with her loyalty points', async () => {
    const res = await real.call('GET', '/assistant/customers?q=katie', { token: samToken })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const found = (res.body.customers as Record<string, unknown>[]).find((c) => c.sub === 'katie')
    assert.equal(found?.email, 'katie@example.com')
    assert.equal(typeof found?.loyaltyPoints, 'number')
  })

  it('Sam registers a new customer: 201 with her subject and user name', async () => {
    const run = Date.now().toString(36)
    const res = await real.call('POST', '/assistant/customers', {
      token: samToken,
      body: { name: `Carla ${run}`, email: `carla-${run}@example.com` },
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.deepEqual(Object.keys(res.body).sort(), ['sub', 'username'])
  })
})
