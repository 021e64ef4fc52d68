/**
 * TB11 with the real retail IdP: Sam signs in to the staff client with password + TOTP, the
 * gateway exchanges his token for shop-assistant-api, and the API admits him on the role and the
 * MFA the IdP put into the exchanged token (`groups`, `acr`, `amr` carried through the exchange),
 * then exchanges again for customers-api (a stand-in on the hop kit verifying with the IdP's real
 * keys). Katie's token, exchanged the same way, is refused 403: she holds no staff role.
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
  workloadTokenClient,
  type HopTestClient,
} from '@mythical/service-kit/testing'
import { resourceUri, serviceByName } from '@mythical/stack'
import {
  paths,
  redeemCode,
  requireStack,
  signIn,
  startIdpProcess,
  type IdpProcess,
  type SignInOptions,
  type TokenSet,
} from '@mythical/testing'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

let idp: IdpProcess
let customers: FastifyInstance
let api: FastifyInstance
let client: HopTestClient
let gateway: ReturnType<typeof workloadTokenClient>
const log = captureAuditLines('shop-assistant-api')
let seenByCustomers: Record<string, unknown> | undefined

/** What the gateway forwards for a user who signed in with `options`. */
async function phantomFor(options: SignInOptions): Promise<string> {
  const signedIn = await signIn(idp.issuer, options)
  const tokens = await redeemCode(idp.issuer, signedIn)
  assert.equal(tokens.status, 200, tokens.text)
  const exchanged = await gateway.exchangeTokenFor(
    tokens.json<TokenSet>().access_token,
    resourceUri(serviceByName('shop-assistant-api')),
  )
  return exchanged.accessToken
}

const listen = async (app: FastifyInstance) => {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `https://localhost:${(app.server.address() as AddressInfo).port}`
}

before(async () => {
  requireStack()
  idp = await startIdpProcess()
  gateway = workloadTokenClient(idp.issuer, 'gateway', stackWorkload('gateway'))
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
  await client?.close()
  await api?.close()
  await customers?.close()
  await gateway?.close()
  await idp?.stop()
})

describe('staff ↔ shop-assistant-api with the real IdP (TB11)', () => {
  it('Sam with password + TOTP looks customers up; role and MFA reach every hop', async () => {
    const token = await phantomFor({
      client: 'web-staff',
      username: 'sam',
      password: 'sam-sells-shoes',
      totpSecret: 'JBSWY3DPEHPK3PXP',
    })
    const res = await client.call('GET', '/assistant/customers?q=kat', { token })
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
