/**
 * The phantom token against the real retail IdP and the real my-shopping-api, both their own
 * processes over real TLS with the stack's certificates: Katie signs in as the web BFF does, her opaque DPoP-bound token
 * is introspected (signed JWT answer) and exchanged by the gateway (client `gateway`,
 * `tls_client_auth` on the mTLS alias), and my-shopping-api sees only an exchanged JWT bound to
 * the gateway's certificate. Revocation reaches the gateway within the cache cap (the documented
 * revocation bound), and an unreachable IdP means refusal, never a bypass.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createAuditLogger } from '@mythical/audit'
import { testServiceEnv } from '@mythical/service-kit/testing'
import { startChainService, type ChainService } from '@mythical/testing'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '../../src/policy-file.ts'
import { GATEWAY_REASONS } from '../../src/reasons.ts'
import { dpopClient, type DpopClient } from '../helpers/dpop-client.ts'
import {
  requireStack,
  katieToken,
  paths,
  revoke,
  startIdp,
  webClientToken,
  type RunningIdp,
} from './retail-idp.ts'

const PUBLIC_ORIGIN = 'https://localhost:8443'
const PRODUCTS = '/shopping/products'
/** Test value of the revocation bound (the shipped policy file says 30 s). */
const CACHE_CAP_SECONDS = 2

let idp: RunningIdp
let idpStopped = false
let shoppingApi: ChainService
let gateway: Awaited<ReturnType<typeof buildApp>>
let katie: DpopClient
const gatewayAudit: Record<string, unknown>[] = []

const capture = (into: Record<string, unknown>[], service: string) =>
  createAuditLogger({
    service,
    level: 'warn',
    destination: {
      write: (line: string) => {
        const parsed = JSON.parse(line) as Record<string, unknown>
        if (parsed.audit === true) into.push(parsed)
      },
    },
  })

before(async () => {
  requireStack()
  idp = await startIdp()
  shoppingApi = await startChainService('my-shopping-api', idp)
  const apiUrl = shoppingApi.url
  const policies = loadPolicyFile(DEFAULT_POLICY_FILE)
  policies.tokenCache.maxSeconds = CACHE_CAP_SECONDS
  gateway = await buildApp(
    loadServiceConfig(
      testServiceEnv('gateway', paths.secrets('gateway'), {
        IDP_ISSUER: idp.issuer,
        IDP_URL: idp.issuer.replace('//localhost:', '//127.0.0.1:'),
        IDP_MTLS_URL: idp.mtlsUrl,
        MY_SHOPPING_API_URL: apiUrl,
        SHOP_ASSISTANT_API_URL: apiUrl,
        GATEWAY_PUBLIC_URL: PUBLIC_ORIGIN,
      }),
    ),
    { policies, audit: capture(gatewayAudit, 'gateway') },
  )
  katie = await dpopClient()
})
after(async () => {
  await gateway?.close()
  await shoppingApi?.stop()
  if (!idpStopped) await idp?.stop()
})

async function callProducts(token: string, client = katie, path = PRODUCTS) {
  return gateway.inject({
    method: 'GET',
    url: path,
    remoteAddress: '10.20.0.1',
    headers: {
      authorization: `DPoP ${token}`,
      dpop: await client.proof('GET', `${PUBLIC_ORIGIN}${path}`, token),
    },
  })
}

const traceIdOf = (res: { headers: Record<string, unknown> }) =>
  String(res.headers.traceparent ?? '').split('-')[1]

const recordsOf = (
  records: readonly Record<string, unknown>[],
  res: { headers: Record<string, unknown> },
) => records.filter((r) => r.traceId === traceIdOf(res))

/** my-shopping-api's allow decision for `res` (its records arrive through a pipe). */
const acceptedByApi = async (res: { headers: Record<string, unknown> }) =>
  (
    await shoppingApi.untilAudited(
      (r) => r.traceId === traceIdOf(res) && (r as { decision?: unknown }).decision === 'allow',
    )
  )[0] as Record<string, unknown> | undefined

describe("anonymous browsing with the web client's own token (real IdP)", () => {
  it('the catalogue answers; the API sees the gateway machine token with catalogue:read only', async () => {
    const bff = await dpopClient()
    const token = await webClientToken(idp.issuer, bff)
    const res = await callProducts(token, bff)
    assert.equal(res.statusCode, 200, res.body)
    assert.ok(res.json<{ products: unknown[] }>().products.length > 0)
    const [decision] = recordsOf(gatewayAudit, res)
    assert.equal(decision?.reason, GATEWAY_REASONS.allowed)
    assert.equal(decision?.client, 'web')
    assert.equal(decision?.subject, undefined)
    const accepted = await acceptedByApi(res)
    assert.equal(accepted?.client, 'gateway')
    assert.equal(accepted?.subject, 'gateway')
    assert.equal(accepted?.scope, 'catalogue:read')
    assert.equal(accepted?.act, undefined)
  })

  it('any route that needs a user: 401 token.without_user, nothing forwarded', async () => {
    const bff = await dpopClient()
    const token = await webClientToken(idp.issuer, bff)
    const before = shoppingApi.audit.length
    for (const path of ['/shopping/me', '/shopping/me/orders']) {
      const res = await callProducts(token, bff, path)
      assert.equal(res.statusCode, 401, res.body)
      assert.equal(res.json().code, 'ZT_ERR_TOKEN_INVALID')
      assert.equal(recordsOf(gatewayAudit, res)[0]?.reason, GATEWAY_REASONS.tokenWithoutUser)
    }
    // The API's records arrive in order through one pipe: once a later call's record is in, any
    // record of the refused calls would be too.
    const later = await callProducts(token, bff)
    assert.equal(later.statusCode, 200, later.body)
    await acceptedByApi(later)
    assert.deepEqual(
      shoppingApi.audit.slice(before).map((r) => r.traceId),
      [traceIdOf(later)],
      'my-shopping-api was never called',
    )
  })
})

describe('phantom token with the real IdP', () => {
  it('Katie reads the catalogue; the API sees an exchanged JWT bound to the gateway, never her token', async () => {
    const token = await katieToken(idp.issuer, katie)
    const res = await callProducts(token)
    assert.equal(res.statusCode, 200, res.body)
    assert.ok(res.json<{ products: unknown[] }>().products.length > 0)

    const [decision] = recordsOf(gatewayAudit, res)
    assert.equal(decision?.reason, GATEWAY_REASONS.allowed)
    assert.equal(decision?.client, 'web')
    const accepted = await acceptedByApi(res)
    assert.equal(accepted?.caller, 'spiffe://retail.mythical.example/gateway')
    assert.deepEqual(accepted?.act, { sub: 'spiffe://retail.mythical.example/gateway' })
    const exchanged = idp.audit.filter(
      (r) => r.reason === 'token_exchange.issued' && r.traceId === decision?.traceId,
    )
    assert.equal(exchanged.length, 1, 'the IdP saw the exchange in the same trace')
    assert.doesNotMatch(JSON.stringify([gatewayAudit, shoppingApi.audit]), new RegExp(token))
  })

  it(`a revoked token is refused within the revocation bound (${CACHE_CAP_SECONDS} s here)`, async () => {
    const token = await katieToken(idp.issuer, katie)
    assert.equal((await callProducts(token)).statusCode, 200)
    assert.equal(await revoke(idp.issuer, token), 200)
    const revokedAt = Date.now()
    let refused
    while (Date.now() - revokedAt < (CACHE_CAP_SECONDS + 2) * 1000) {
      const res = await callProducts(token)
      if (res.statusCode !== 200) {
        refused = res
        break
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    assert.ok(refused, 'still accepted after the bound')
    const elapsed = Date.now() - revokedAt
    assert.ok(elapsed <= CACHE_CAP_SECONDS * 1000 + 500, `refused after ${elapsed} ms`)
    assert.equal(refused.statusCode, 401)
    assert.equal(refused.json().code, 'ZT_ERR_TOKEN_INVALID')
    assert.equal(recordsOf(gatewayAudit, refused)[0]?.reason, GATEWAY_REASONS.tokenInactive)
  })

  it('a JWT instead of the opaque token (here: an unsigned one) is not active at the IdP', async () => {
    const header = Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')
    const body = Buffer.from(`{"iss":"${idp.issuer}","sub":"katie"}`).toString('base64url')
    const res = await callProducts(`${header}.${body}.`)
    assert.equal(res.statusCode, 401)
    assert.equal(recordsOf(gatewayAudit, res)[0]?.reason, GATEWAY_REASONS.tokenInactive)
  })

  it('IdP down: a token the gateway has not seen is refused with 503, never passed', async () => {
    const token = await katieToken(idp.issuer, katie)
    await idp.stop()
    idpStopped = true
    const res = await callProducts(token)
    assert.equal(res.statusCode, 503)
    assert.equal(res.json().code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')
    assert.equal(recordsOf(gatewayAudit, res)[0]?.reason, GATEWAY_REASONS.introspectionUnavailable)
  })
})
