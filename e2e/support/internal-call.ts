/**
 * Calls straight to an internal service of the running stack (127.0.0.1, mTLS), the way one
 * workload calls another — or the way an attacker inside the network would, with a workload
 * certificate and a token it got hold of. Tokens come from the real retail IdP: Katie signs in as
 * the web BFF does, then each hop's own client exchanges the token it holds (RFC 8693,
 * `tls_client_auth` with that workload's stack certificate), so every token here is one the IdP
 * really issued. Each call starts its own W3C trace, and its audit records are the callee's log
 * lines of that trace.
 */
import { randomBytes } from 'node:crypto'
import { expect } from '@playwright/test'
import { createMtlsAgent } from '@mythical/mtls'
import { exchangeChain, stackWorkload, type ChainHop } from '@mythical/service-kit/testing'
import { readStackManifest } from '@mythical/infra'
import { stackPaths } from '@mythical/stack'
import { request, type Dispatcher } from 'undici'
import { auditRecordsOf, type LoggedDecision } from './audit-log.ts'
import { IDP_ISSUER } from './shopper.ts'
import type { ShopperSession } from './shopper.ts'

/** One answer of an internal service, with the trace the request started. */
export interface InternalResponse {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly text: string
  readonly traceId: string
  json<T = Record<string, unknown>>(): T
}

export interface InternalRequest {
  readonly method?: 'GET' | 'POST'
  readonly path: string
  /** Sent as `Authorization: Bearer`. */
  readonly token?: string
  /** Sent as JSON. */
  readonly body?: unknown
  /** Sent as it is (e.g. a compact JWE), with the `content-type` given in `headers`. */
  readonly rawBody?: string
  readonly headers?: Record<string, string>
}

/** The running stack's URL of `service` (`.stack/stack.json`). */
export function urlOf(service: string): string {
  const entry = readStackManifest(stackPaths())?.services.find((s) => s.name === service)
  if (!entry) throw new Error(`${service} is not in the running stack`)
  return entry.url
}

/** A fresh W3C trace: the header to send and the id the audit records will carry. */
export function newTraceparent(): { traceId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex')
  return { traceId, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` }
}

/** Sends one request to `service` over `dispatcher` (an mTLS agent, or a deliberately bad one). */
export async function callInternal(
  service: string,
  dispatcher: Dispatcher,
  req: InternalRequest,
): Promise<InternalResponse> {
  const { traceId, traceparent } = newTraceparent()
  const res = await request(`${urlOf(service)}${req.path}`, {
    method: req.method ?? 'GET',
    dispatcher,
    headers: {
      traceparent,
      ...(req.token ? { authorization: `Bearer ${req.token}` } : {}),
      ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...req.headers,
    },
    ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
    ...(req.rawBody === undefined ? {} : { body: req.rawBody }),
  })
  const text = await res.body.text()
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    traceId,
    json: <T>() => JSON.parse(text) as T,
  }
}

/** An mTLS agent presenting workload `name`'s stack certificate (`.stack/secrets/<name>`). */
export const agentOf = (name: string) => createMtlsAgent(stackWorkload(name))

/**
 * Katie's (or anyone's) gateway token carried down the real chain: the tokens after each hop.
 *
 * @example
 * const [phantom, forFulfillment] = await chainTokens(katie, [
 *   { by: 'gateway', audience: 'my-shopping-api' },
 *   { by: 'my-shopping-api', audience: 'order-fulfillment-api', scope: 'orders:read' },
 * ])
 */
export const chainTokens = (session: ShopperSession, hops: readonly ChainHop[]) =>
  exchangeChain(IDP_ISSUER, session.accessToken, hops)

export interface ExpectedHopRefusal {
  readonly status: number
  readonly code: string
  readonly reason: string
  /** The trust boundary the callee names in its record. */
  readonly boundary?: string
}

/**
 * The refusal of an internal hop, asserted three ways: status, problem `code` (with the trace the
 * request started), and the callee's own deny record of that trace with the reason — and no
 * allow on that trace.
 */
export async function expectHopRefusal(
  service: string,
  response: InternalResponse,
  expected: ExpectedHopRefusal,
): Promise<LoggedDecision> {
  expect(response.status, response.text).toBe(expected.status)
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/)
  const problem = response.json<{ code?: string; traceId?: string }>()
  expect(problem.code).toBe(expected.code)
  expect(problem.traceId).toBe(response.traceId)
  const records = await auditRecordsOf(response.traceId, service)
  expect(records.map((r) => `${r.decision} ${r.reason}`)).toEqual([`deny ${expected.reason}`])
  const [record] = records as [LoggedDecision]
  expect(record.status).toBe(expected.status)
  if (expected.boundary) expect(record.boundary).toBe(expected.boundary)
  return record
}

/** A user's token carried to customers-api: one the IdP really issued, for another audience. */
const FOR_CUSTOMERS_API: readonly ChainHop[] = [
  { by: 'gateway', audience: 'my-shopping-api' },
  { by: 'my-shopping-api', audience: 'customers-api', scope: 'customers:read' },
]

/**
 * The wrong-audience attack on a hop: `dispatcher` sends `GET /orders` to `service` with
 * `session`'s token for customers-api, which `service` refuses with 401 `ZT_ERR_TOKEN_AUDIENCE`
 * and audits as `token.audience` at `boundary`.
 */
export async function expectWrongAudienceRefused(
  session: ShopperSession,
  service: string,
  dispatcher: Dispatcher,
  boundary: string,
): Promise<LoggedDecision> {
  const [, forCustomers = ''] = await chainTokens(session, FOR_CUSTOMERS_API)
  const response = await callInternal(service, dispatcher, { path: '/orders', token: forCustomers })
  return expectHopRefusal(service, response, {
    status: 401,
    code: 'ZT_ERR_TOKEN_AUDIENCE',
    reason: 'token.audience',
    boundary,
  })
}
