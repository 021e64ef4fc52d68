/**
 * Forwarding to the experience API over mutual TLS (the gateway's workload certificate, the
 * upstream authenticated by its SPIFFE id). Only an allow list of request headers travels on;
 * the gateway adds the verified ones: the exchanged JWT as `Authorization: Bearer` (the opaque
 * token and the DPoP proof stay at the edge), `Forwarded` with the client address it verified,
 * and the `traceparent` of this hop (added by the mTLS agent). Response headers that describe the
 * upstream connection are dropped.
 *
 * @module
 */
import { runWithTraceContext } from '@mythical/audit'
import type { Dispatcher } from 'undici'
import { request } from 'undici'
import type { FastifyReply } from 'fastify'
import type { GatewayContext } from './gateway-context.ts'

/** Request headers a client may pass to the API (everything else is dropped). */
const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'content-type',
  'idempotency-key',
  'if-match',
  'if-none-match',
  'user-agent',
] as const

/** Response headers never passed back: hop-by-hop (RFC 9110 §7.6.1) or the gateway's to set. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-length',
  'traceparent',
])

/** Where one upstream lives and how to reach it. */
export interface Upstream {
  /** Base URL, e.g. `https://127.0.0.1:7101`. */
  readonly url: string
  /** mTLS agent that presents the gateway's certificate and pins the upstream's SPIFFE id. */
  readonly dispatcher: Dispatcher
}

/** Thrown when the upstream cannot be reached or fails mid-answer. */
export class UpstreamUnavailable extends Error {
  readonly code = 'ERR_GATEWAY_UPSTREAM'
  constructor(options: { cause: unknown }) {
    super('upstream unavailable', options)
    this.name = this.constructor.name
  }
}

/** Builds the headers the upstream receives. */
export function upstreamHeaders(ctx: GatewayContext): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = ctx.request.headers[name]
    if (typeof value === 'string') headers[name] = value
  }
  headers.authorization = `Bearer ${ctx.internalToken ?? ''}`
  headers.forwarded = `for="${ctx.address}";proto=https`
  return headers
}

/**
 * Sends the checked request to `upstream` and streams its answer back.
 *
 * @example
 * ```ts
 * await forward(ctx, upstreams.get(ctx.api.upstream), reply)
 * ```
 */
export async function forward(
  ctx: GatewayContext,
  upstream: Upstream,
  reply: FastifyReply,
): Promise<FastifyReply> {
  let response
  try {
    // In the hop's own trace, explicitly: a request whose body the pipeline read has left the
    // async context, and the mTLS agent would start a new trace upstream (the trust trace lost
    // the gateway hop of every POST). The agent opens the CLIENT span under the hop's span.
    response = await runWithTraceContext(ctx.request.traceContext, () =>
      request(`${upstream.url}${ctx.request.url}`, {
        method: ctx.request.method as Dispatcher.HttpMethod,
        headers: upstreamHeaders(ctx),
        ...(ctx.body ? { body: ctx.body } : {}),
        dispatcher: upstream.dispatcher,
      }),
    )
  } catch (cause) {
    throw new UpstreamUnavailable({ cause })
  }
  reply.code(response.statusCode)
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined && !DROPPED_RESPONSE_HEADERS.has(name)) reply.header(name, value)
  }
  return reply.send(response.body)
}
