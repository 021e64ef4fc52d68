/**
 * `POST /customers` end to end with the real IdP (its own process): shop-assistant-api, on behalf
 * of a sales associate, registers a customer; customers-api creates the identity at the IdP with
 * its own client-credentials token (`POST /accounts` on the mTLS alias) and records the profile in
 * the staff scope, attributed to the associate. Refusals and the IdP being down fail closed.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createDatabasePool, withStaffScope } from '@mythical/db'
import { createMtlsAgent } from '@mythical/mtls'
import { createAuthorizationServerClient, createTokenClient } from '@mythical/oauth'
import { stackWorkload as workload, startStackServiceForTest } from '@mythical/service-kit/testing'
import { stackPaths } from '@mythical/stack'
import { requireStack, startIdpProcess, type IdpProcess } from '@mythical/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'
import { staffTokenFrom } from './staff-token.ts'

const identity = workload('customers-api')
const assistant = workload('shop-assistant-api')
const agent = createMtlsAgent(identity)

/** customers-api's own client at the IdP at `issuer` (tls_client_auth). */
const tokensAt = (issuer: string) =>
  createTokenClient({
    server: createAuthorizationServerClient({
      issuer,
      clientId: 'customers-api',
      authentication: { method: 'tls_client_auth' },
      dispatcher: agent,
    }),
  })

const newCustomer = () => {
  const tag = randomUUID().slice(0, 8)
  return { name: `Dana ${tag}`, email: `dana.${tag}@example.com` }
}

describe('POST /customers: registration through the real IdP', () => {
  let idp: IdpProcess
  let api: Awaited<ReturnType<typeof startStackServiceForTest>>
  const staffToken = (groups = ['sales-associate'], scope = 'customers:write') =>
    staffTokenFrom(api.idp, groups, scope)

  before(async () => {
    requireStack()
    idp = await startIdpProcess()
    api = await startStackServiceForTest('customers-api', loadServiceConfig, buildApp, {
      env: { IDP_MTLS_URL: idp.mtlsUrl },
      tokens: tokensAt(idp.issuer),
    })
  })
  after(async () => {
    await api.close()
    await agent.close()
    await idp.stop()
  })

  it('creates the identity at the IdP and the profile here, attributed to the associate', async () => {
    const dana = newCustomer()
    const res = await api.call(assistant, 'POST', '/customers', await staffToken(), dana)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.deepEqual(Object.keys(res.body).sort(), ['sub', 'username'])
    assert.equal(res.records[0]?.decision, 'allow')
    assert.equal(res.records[0]?.subject, 'sam')
    const idpRecord = idp.audit.find(
      (r) => r.reason === 'account.registered' && r.subject === res.body.sub,
    )
    assert.equal(idpRecord?.client, 'customers-api')

    const found = await api.call(
      assistant,
      'GET',
      `/customers?q=${encodeURIComponent(dana.name)}`,
      await staffToken(['sales-associate'], 'customers:read'),
    )
    assert.deepEqual(found.body.customers, [{ sub: res.body.sub, ...dana, loyaltyPoints: 0 }])
    const pool = createDatabasePool(stackPaths().secrets('customers-api'))
    const { rows } = await withStaffScope(pool, 'sam', (db) =>
      db.query('SELECT registered_by FROM customers WHERE customer_id = $1', [res.body.sub]),
    )
    await pool.end()
    assert.deepEqual(rows, [{ registered_by: 'sam' }])
  })

  it('refuses an email already registered: 409, no second identity', async () => {
    const dana = newCustomer()
    const token = await staffToken()
    assert.equal((await api.call(assistant, 'POST', '/customers', token, dana)).status, 201)
    const registered = idp.audit.filter((r) => r.reason === 'account.registered').length
    const again = await api.call(assistant, 'POST', '/customers', token, {
      ...dana,
      email: dana.email.toUpperCase(),
    })
    assert.equal(again.status, 409)
    assert.equal(again.body.code, 'ZT_ERR_CONFLICT')
    assert.equal(idp.audit.filter((r) => r.reason === 'account.registered').length, registered)
  })

  it('refuses a subject without the sales-associate role: 403, role.missing', async () => {
    const res = await api.call(assistant, 'POST', '/customers', await staffToken([]), newCustomer())
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_ROLE_REQUIRED')
    assert.equal(res.records[0]?.reason, 'role.missing')
  })

  it('refuses a lookup token for a registration: 403, scope.insufficient', async () => {
    const token = await staffToken(['sales-associate'], 'customers:read')
    const res = await api.call(assistant, 'POST', '/customers', token, newCustomer())
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_INSUFFICIENT_SCOPE')
    assert.equal(res.records[0]?.reason, 'scope.insufficient')
  })

  it('fails closed when the IdP is unreachable: 503, no profile recorded', async () => {
    const down = await startStackServiceForTest('customers-api', loadServiceConfig, buildApp, {
      env: { IDP_MTLS_URL: 'https://localhost:1' },
      tokens: tokensAt('https://localhost:1'),
    })
    try {
      const dana = newCustomer()
      const token = await down.idp.mint({
        audience: 'customers-api',
        boundTo: assistant,
        sub: 'sam',
        scope: 'customers:write',
        groups: ['sales-associate'],
      })
      const res = await down.call(assistant, 'POST', '/customers', token, dana)
      assert.equal(res.status, 503)
      assert.equal(res.body.code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')
      const lookup = await down.idp.mint({
        audience: 'customers-api',
        boundTo: assistant,
        sub: 'sam',
        scope: 'customers:read',
        groups: ['sales-associate'],
      })
      const found = await down.call(assistant, 'GET', `/customers?q=${dana.email}`, lookup)
      assert.deepEqual(found.body.customers, [])
    } finally {
      await down.close()
    }
  })
})
