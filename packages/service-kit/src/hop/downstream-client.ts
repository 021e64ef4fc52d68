/**
 * Outbound half of a hop: calls the next service over mTLS (the workload certificate; the
 * server authenticated by its SPIFFE id, one agent per target so no other workload can answer
 * for it; `traceparent` continued by the agent) with an access token for exactly that audience:
 *
 * - on behalf of the user: RFC 8693 token exchange of the user's token (cached by the OAuth kit
 *   per subject token + audience + scope until shortly before expiry) — the callee sees `sub`,
 *   the `act` chain and only the scopes asked for;
 * - machine-only: `client_credentials` for the target.
 *
 * Only targets the call graph lets this service call with an access token are accepted (a typo
 * or a missing edge fails at boot). The IdP or the target unreachable → 503 problem (fail
 * closed); the IdP refusing the delegation → 403 `ZT_ERR_DELEGATION_REFUSED`.
 */
import type { AuditLogger } from '@mythical/audit'
import { createMtlsAgent, type WorkloadIdentity } from '@mythical/mtls'
import { OAuthKitError, type TokenClient } from '@mythical/oauth'
import { ServiceUnavailable } from '@mythical/problem'
import { callBetween, exportsSpans, resourceUri, serviceByName, workloadId } from '@mythical/stack'
import { request, type Dispatcher } from 'undici'
import type { FastifyRequest } from 'fastify'
import { DelegationRefused } from './access-problems.ts'

/** Default milliseconds a downstream call may take, headers and body. */
export const DEFAULT_DOWNSTREAM_TIMEOUT_MS = 5000

/** Largest downstream answer read, in bytes. */
const MAX_RESPONSE_BYTES = 1024 * 1024

/** Options of {@link createDownstreamClient}. */
export interface DownstreamClientOptions {
  /** Manifest name of the calling service. */
  readonly service: string
  readonly identity: WorkloadIdentity
  /**
   * Base URL of each target (manifest name → `<NAME>_URL`). Every name must be a callee of this
   * service in the call graph; one without a URL answers 503 when called.
   */
  readonly targets: Readonly<Record<string, string | undefined>>
  /** The service's token client at the retail IdP (see `createTokenClient`). */
  readonly tokens: TokenClient
  /** Logged, never answered: why a downstream call failed. */
  readonly logger?: AuditLogger['logger']
  /** Default {@link DEFAULT_DOWNSTREAM_TIMEOUT_MS}. */
  readonly timeoutMs?: number
}

/** One downstream call. */
export interface CallOptions {
  /**
   * The user's token this hop received (`request.access.token`): exchanged for the target.
   * Omit for machine-only calls (`client_credentials`).
   */
  readonly subjectToken?: string
  /** Space-separated scopes the target needs for this call, and no more. */
  readonly scope: string
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Sent as JSON. */
  readonly body?: unknown
  /** Further request headers, e.g. `idempotency-key`. */
  readonly headers?: Readonly<Record<string, string>>
}

/** The target's answer; `body` is parsed JSON (or `undefined` for an empty body). */
export interface DownstreamResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: unknown
}

/** Calls the services this one depends on. */
export interface DownstreamClient {
  callService(target: string, path: string, options: CallOptions): Promise<DownstreamResponse>
  close(): Promise<void>
}

interface Target {
  readonly url: string
  readonly audience: string
  readonly dispatcher: Dispatcher
}

function assertCallee(service: string, name: string): void {
  if (callBetween(service, name)?.credential !== 'access-token') {
    throw new TypeError(`${service} may not call "${name}" with an access token (call graph)`)
  }
}

function buildTarget(name: string, url: string, identity: WorkloadIdentity): Target {
  const definition = serviceByName(name)
  const base = new URL(url)
  if (base.protocol !== 'https:') throw new TypeError(`URL of "${name}" must be https`)
  return {
    url: base.origin,
    audience: resourceUri(definition),
    dispatcher: createMtlsAgent(identity, {
      allowedServerIds: [workloadId(definition.domain, name)],
      serverTraced: exportsSpans(name),
    }),
  }
}

/** The answer's JSON, read while counting: a body over the cap is abandoned, not buffered. */
async function readBody(body: Dispatcher.ResponseData['body'], type: string | undefined) {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    size += (chunk as Buffer).length
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy()
      throw new RangeError('downstream answer too large')
    }
    chunks.push(chunk as Buffer)
  }
  if (size === 0) return undefined
  if (type && /^application\/(?:[a-z.+-]*\+)?json\b/.test(type)) {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
  }
  throw new TypeError('downstream answered a non-JSON body')
}

/**
 * @example
 * ```ts
 * const downstream = createDownstreamClient({ service: 'my-shopping-api', identity, tokens,
 *   targets: { 'order-fulfillment-api': config.ORDER_FULFILLMENT_API_URL } })
 * const res = await downstream.callService('order-fulfillment-api', '/orders', {
 *   subjectToken: request.access.token, scope: 'orders:read' })
 * ```
 */
export function createDownstreamClient(options: DownstreamClientOptions): DownstreamClient {
  const timeout = options.timeoutMs ?? DEFAULT_DOWNSTREAM_TIMEOUT_MS
  const targets = new Map(
    Object.entries(options.targets).flatMap(([name, url]) => {
      assertCallee(options.service, name)
      return url ? [[name, buildTarget(name, url, options.identity)] as const] : []
    }),
  )

  async function tokenFor(target: string, audience: string, call: CallOptions): Promise<string> {
    try {
      const issued = call.subjectToken
        ? await options.tokens.exchangeTokenFor(call.subjectToken, audience, { scope: call.scope })
        : await options.tokens.clientCredentialsFor(audience, { scope: call.scope })
      return issued.accessToken
    } catch (err) {
      if (!(err instanceof OAuthKitError)) throw err
      options.logger?.warn({ target, reason: err.code, oauthError: err.oauthError }, 'no token')
      if (err.code === 'authorization_server.refused') {
        throw new DelegationRefused(`no token for ${target}`, { cause: err })
      }
      throw new ServiceUnavailable('the authorization server is unavailable', { cause: err })
    }
  }

  return {
    async callService(name, path, call) {
      const target = targets.get(name)
      if (!target) {
        assertCallee(options.service, name)
        // A hop of the graph whose URL this deployment did not give: unavailable, not a crash.
        throw new ServiceUnavailable(`${name} is not configured`)
      }
      if (!path.startsWith('/')) throw new TypeError('"path" must start with "/"')
      if (typeof call.scope !== 'string' || call.scope.trim() === '') {
        throw new TypeError('"scope" must name the scopes the call needs')
      }
      const token = await tokenFor(name, target.audience, call)
      try {
        const response = await request(`${target.url}${path}`, {
          method: call.method ?? 'GET',
          dispatcher: target.dispatcher,
          headersTimeout: timeout,
          bodyTimeout: timeout,
          headers: {
            accept: 'application/json',
            ...call.headers,
            authorization: `Bearer ${token}`,
            ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        })
        const type = response.headers['content-type']
        return {
          status: response.statusCode,
          headers: response.headers,
          body: await readBody(response.body, typeof type === 'string' ? type : undefined),
        }
      } catch (cause) {
        options.logger?.warn({ target: name, err: cause }, 'downstream call failed')
        throw new ServiceUnavailable(`${name} is unavailable`, { cause })
      }
    },
    async close() {
      await Promise.all([...targets.values()].map((t) => t.dispatcher.close()))
    },
  }
}

/**
 * The verified token of an allowed request: the subject token of the next hop's exchange.
 *
 * @example
 * ```ts
 * await hop.downstream.callService('orders-api', '/orders', {
 *   subjectToken: subjectTokenOf(request), scope: 'orders:read' })
 * ```
 */
export function subjectTokenOf(request: FastifyRequest): string {
  if (!request.access) throw new TypeError('the route has no access rule: no verified token')
  return request.access.token
}
