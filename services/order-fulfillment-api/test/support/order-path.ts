/**
 * The order path behind my-shopping-api, for this service's integration tests: order-fulfillment-api
 * itself (in this process), the real orders-api and the real card vault (tokenization-api), each
 * run as its own process with its stack identity and database login (`.stack/`, provisioned by
 * the integration run's global set-up), over real mTLS on free loopback ports; a test issuer
 * stands in for the retail IdP (its keys — served as JWKS to the processes — verify every hop's
 * tokens, its token client exchanges them).
 */
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { OAuthKitError, type TokenClient } from '@mythical/oauth'
import { createMtlsAgent } from '@mythical/mtls'
import {
  captureAuditLines,
  createTestIssuer,
  stackWorkload,
  startTestServer,
  TEST_ISSUER,
  testServiceEnv,
  type TestIssuer,
} from '@mythical/service-kit/testing'
import { stackPaths } from '@mythical/stack'
import { startRetailChain, type ChainService } from '@mythical/testing'
import type { FastifyInstance } from 'fastify'
import { request } from 'undici'
import { buildApp, type AppDependencies } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

export const paths = stackPaths()
export const shopping = stackWorkload('my-shopping-api')
export const fulfillment = stackWorkload('order-fulfillment-api')
export const TEST_CARD = { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030, cvc: '123' }

/** An address nothing listens on: a dependency that is down. */
export const DOWN = 'https://127.0.0.1:1'

const env = (service: string, extra: Record<string, string> = {}) =>
  testServiceEnv(service, paths.secrets(service), {
    PKI_DIR: paths.pki,
    IDP_ISSUER: TEST_ISSUER,
    IDP_URL: DOWN,
    ...extra,
  })

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** A token client whose IdP is unreachable. */
export const unreachableIdp: TokenClient = {
  exchangeTokenFor: () =>
    Promise.reject(new OAuthKitError('authorization_server.unavailable', 'connection refused')),
  clientCredentialsFor: () =>
    Promise.reject(new OAuthKitError('authorization_server.unavailable', 'connection refused')),
}

export interface OrderPath {
  readonly idp: TestIssuer
  readonly ordersUrl: string
  readonly vaultUrl: string
  /** The vault process: its audit records arrive through a pipe (`untilAudited`). */
  readonly vault: ChainService
  /** Starts an order-fulfillment-api on the path, with these dependencies replaced. */
  fulfillment(overrides?: {
    tokenizationUrl?: string
    deps?: AppDependencies
  }): Promise<Fulfillment>
  close(): Promise<void>
}

export interface Fulfillment {
  readonly lines: Record<string, unknown>[]
  call(
    method: 'GET' | 'POST',
    path: string,
    options?: { token?: string; body?: unknown; idempotencyKey?: string },
  ): Promise<{
    status: number
    headers: Record<string, unknown>
    body: Record<string, unknown>
    records: Record<string, unknown>[]
  }>
  close(): Promise<void>
}

export async function startOrderPath(): Promise<OrderPath> {
  const idp = await createTestIssuer()
  // The test issuer's keys where the processes fetch them (`<IDP_URL>/jwks`), over the IdP's TLS.
  const jwks = await startTestServer(
    (_request, response) => {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify(idp.jwks))
    },
    stackWorkload('idp'),
    'edge',
  )
  const chain = await startRetailChain({ issuer: TEST_ISSUER, url: jwks.url, mtlsUrl: DOWN }, [
    'orders-api',
    'tokenization-api',
  ]).catch(async (err: unknown) => {
    await jwks.close()
    throw err
  })
  const ordersUrl = chain['orders-api']?.url ?? DOWN
  const vault = chain['tokenization-api'] as ChainService
  const started: Fulfillment[] = []

  return {
    idp,
    ordersUrl,
    vaultUrl: vault.url,
    vault,
    async fulfillment(overrides = {}) {
      const { audit, lines } = captureAuditLines('order-fulfillment-api')
      const config = loadServiceConfig(
        env('order-fulfillment-api', {
          ORDERS_API_URL: ordersUrl,
          TOKENIZATION_API_URL: overrides.tokenizationUrl ?? vault.url,
        }),
      )
      const app = await buildApp(config, {
        audit,
        keys: idp.keys,
        tokens: idp.tokenClient(fulfillment),
        ...overrides.deps,
      })
      const base = await listen(app)
      const agent = createMtlsAgent(shopping)
      const running: Fulfillment = {
        lines,
        async call(method, path, options = {}) {
          const before = lines.length
          const traceId = randomBytes(16).toString('hex')
          const res = await request(`${base}${path}`, {
            method,
            dispatcher: agent,
            headers: {
              traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
              ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
              ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
              ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
          })
          const text = await res.body.text()
          return {
            status: res.statusCode,
            headers: res.headers,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
            records: lines.slice(before).filter((l) => l.audit === true),
          }
        },
        async close() {
          await agent.close()
          await app.close()
        },
      }
      started.push(running)
      return running
    },
    async close() {
      await Promise.all(started.map((f) => f.close()))
      await chain.stop()
      await jwks.close()
    },
  }
}

/** A shopper's token exchanged for order-fulfillment-api by my-shopping-api (the TB05 hop). */
export function shopperToken(
  idp: TestIssuer,
  sub: string,
  scope: string,
  overrides: { audience?: string } = {},
): Promise<string> {
  return idp.mint({
    audience: overrides.audience ?? 'order-fulfillment-api',
    boundTo: shopping,
    sub,
    scope,
    clientId: 'my-shopping-api',
    act: { sub: shopping.spiffeId },
  })
}
