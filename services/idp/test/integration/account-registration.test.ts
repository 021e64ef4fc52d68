/**
 * `POST /accounts` on the real IdP (its own process, real TLS, real PostgreSQL): customers-api,
 * with its client-credentials token for the IdP (scope `accounts:register`, bound to its
 * certificate), creates a customer identity; every other caller, token or listener is refused,
 * each with its status, problem code and audit reason.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createMtlsAgent, loadWorkloadIdentity } from '@mythical/mtls'
import {
  createAuthorizationServerClient,
  createTokenClient,
  OAuthKitError,
  type TokenClient,
} from '@mythical/oauth'
import { resourceUri, serviceByName } from '@mythical/stack'
import { paths, requireStack, startIdpProcess, type IdpProcess } from '@mythical/testing'
import { readFileSync } from 'node:fs'
import { Agent, request, type Dispatcher } from 'undici'

const IDP = resourceUri(serviceByName('idp'))
let idp: IdpProcess
const retailCa = readFileSync(paths.caCert('retail'), 'utf8')
const agents = new Map<string, Dispatcher.ComposedDispatcher>()

const agentOf = (service: string) => {
  const agent = agents.get(service) ?? createMtlsAgent(loadWorkloadIdentity(paths.secrets(service)))
  agents.set(service, agent)
  return agent
}

const tokensOf = (service: string): TokenClient =>
  createTokenClient({
    server: createAuthorizationServerClient({
      issuer: idp.issuer,
      clientId: service,
      authentication: { method: 'tls_client_auth' },
      dispatcher: agentOf(service),
    }),
  })

/** POST /accounts at `base` as workload `as` with `token`; the audit record it wrote. */
async function register(
  as: string | undefined,
  token: string | undefined,
  body: unknown,
  base = idp.mtlsUrl,
) {
  const before = idp.audit.length
  const res = await request(`${base}/accounts`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
    dispatcher: as ? agentOf(as) : new Agent({ connect: { ca: retailCa } }),
  })
  const answer = (await res.body.json()) as Record<string, unknown>
  // The record is written before the answer, but reaches this process through a pipe.
  const recorded = () => idp.audit.slice(before).find((r) => r.route === 'POST /accounts')
  for (let i = 0; i < 40 && !recorded(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  return { status: res.statusCode, body: answer, record: recorded() }
}

const customer = () => {
  const tag = randomUUID().slice(0, 8)
  return { name: `Carla ${tag}`, email: `carla.${tag}@example.com` }
}

before(async () => {
  requireStack()
  idp = await startIdpProcess()
})
after(async () => {
  await Promise.all([...agents.values()].map((a) => a.close()))
  await idp.stop()
})

describe('POST /accounts (customer identities registered in a store)', () => {
  let registrationToken: string
  before(async () => {
    const issued = await tokensOf('customers-api').clientCredentialsFor(IDP, {
      scope: 'accounts:register',
    })
    registrationToken = issued.accessToken
  })

  it('creates the identity for customers-api: 201 { sub, username }, audited', async () => {
    const carla = customer()
    const res = await register('customers-api', registrationToken, carla)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.match(String(res.body.sub), /^[0-9a-f-]{36}$/)
    assert.equal(res.body.username, carla.email.split('@')[0]?.replace('.', ''))
    assert.equal(res.record?.decision, 'allow')
    assert.equal(res.record?.reason, 'account.registered')
    assert.equal(res.record?.client, 'customers-api')
    assert.equal(res.record?.subject, res.body.sub)
  })

  it('gives a second customer with the same mailbox name another user name', async () => {
    const first = customer()
    const a = await register('customers-api', registrationToken, first)
    const b = await register('customers-api', registrationToken, {
      name: 'Other',
      email: first.email.replace('@example.com', '@example.org'),
    })
    assert.equal(b.status, 201)
    assert.notEqual(a.body.username, b.body.username)
    assert.notEqual(a.body.sub, b.body.sub)
  })

  it('refuses the edge listener (no client certificate): 401, mtls.client_certificate_required', async () => {
    const res = await register(undefined, registrationToken, customer(), idp.issuer)
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 'ZT_ERR_MTLS_REQUIRED')
    assert.equal(res.record?.reason, 'mtls.client_certificate_required')
  })

  it('refuses a call without a token: 401, token.missing', async () => {
    const res = await register('customers-api', undefined, customer())
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 'ZT_ERR_UNAUTHENTICATED')
    assert.equal(res.record?.reason, 'token.missing')
  })

  it("refuses customers-api's token presented with another workload's certificate: 401", async () => {
    const res = await register('shop-assistant-api', registrationToken, customer())
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 'ZT_ERR_UNAUTHENTICATED')
    assert.equal(res.record?.reason, 'cnf.certificate_mismatch')
  })

  it('refuses a token for the IdP without accounts:register: 403, scope.insufficient', async () => {
    // A fresh client (no cache): the same workload asking for no scope at all.
    const unscoped = await tokensOf('customers-api').clientCredentialsFor(IDP)
    const res = await register('customers-api', unscoped.accessToken, customer())
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_FORBIDDEN')
    assert.equal(res.record?.reason, 'scope.insufficient')
  })

  it('refuses a token for another audience: 401, token.audience', async () => {
    const other = await tokensOf('shop-assistant-api').clientCredentialsFor(
      resourceUri(serviceByName('customers-api')),
      { scope: 'customers:write' },
    )
    const res = await register('shop-assistant-api', other.accessToken, customer())
    assert.equal(res.status, 401)
    assert.equal(res.record?.reason, 'token.audience')
  })

  it('never issues an IdP token to a client outside the call graph (shop-assistant-api)', async () => {
    await assert.rejects(
      tokensOf('shop-assistant-api').clientCredentialsFor(IDP, { scope: 'accounts:register' }),
      (err: unknown) => err instanceof OAuthKitError && err.code === 'authorization_server.refused',
    )
  })

  it('refuses an invalid body: 400 ZT_ERR_VALIDATION', async () => {
    const res = await register('customers-api', registrationToken, {
      name: 'X',
      email: 'not-an-email',
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'ZT_ERR_VALIDATION')
    assert.equal(res.record?.reason, 'request.invalid')
  })
})
