/**
 * The IdP's equivalent of `hopSpanPlugin`: one SERVER span per request oidc-provider answers (a
 * Koa app, not fastify), so the token exchanges and client-credentials grants that the gateway and
 * the APIs make while serving an order are hops of its trust trace. The span continues the
 * caller's CLIENT span, takes the span id the IdP already echoes in `traceparent`, and is active
 * for the whole request: every audit decision of the IdP (grant issued, exchange refused) becomes
 * one of its events.
 *
 * It records what explains the hop: the client, the grant type, the requested audience and scope,
 * and the decoded claims of the token issued (`sub`, `act` chain, scope, audience), never a token,
 * a client assertion, a code or a secret: parameters are read by name, never copied whole.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { forgetHopSpan, parseTraceparent, rememberHopSpan, TRUST_ATTRIBUTES } from '@mythical/audit'
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
} from '@opentelemetry/api'
import { PROBLEM_CODE, REFUSAL_EVENT } from './hop-span-plugin.ts'
import { withSpanId } from './hop-span-ids.ts'
import { tokenAttributes, type TokenClaims } from './token-attributes.ts'

/** Attribute names of an authorization server hop. */
export const OAUTH_ATTRIBUTES = {
  grantType: 'mythical.oauth.grant_type',
  requestedAudience: 'mythical.oauth.requested_audience',
  requestedScope: 'mythical.oauth.requested_scope',
} as const

/** The part of oidc-provider's Koa context a hop span reads (`KoaContextWithOIDC`). */
export interface OidcRequestContext {
  readonly req: IncomingMessage
  readonly method: string
  readonly path: string
  readonly status: number
  readonly body?: unknown
  readonly oidc?: {
    readonly route?: string
    readonly client?: { readonly clientId: string }
    readonly params?: Readonly<Record<string, unknown>>
  }
}

/** Options of {@link oidcHopSpan}. */
export interface OidcHopSpanOptions<C extends OidcRequestContext = OidcRequestContext> {
  /** The IdP's own SPIFFE id. */
  readonly workloadId: string
  /**
   * The `traceparent` the caller sent: the IdP's request wrapper replaces the header with the
   * hop's own before oidc-provider runs (`callerTraceparentOf` of `@mythical/service-kit`).
   */
  readonly callerTraceparent: (req: IncomingMessage) => string | undefined
  /** Decoded claims of the token the request issued, if any (never the token itself). */
  readonly issuedToken?: (ctx: C) => TokenClaims | undefined
}

/** The SPIFFE id of a verified client certificate (the mTLS listener), else `undefined`. */
function peerOf(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>
  if (!socket.authorized || typeof socket.getPeerCertificate !== 'function') return undefined
  const san = socket.getPeerCertificate().subjectaltname ?? ''
  return /(?:^|, )URI:(spiffe:\/\/[^,\s]+)/.exec(san)?.[1]
}

/** A parameter by name, when it is a string (never the whole parameter set). */
const param = (ctx: OidcRequestContext, name: string): string | undefined => {
  const value = ctx.oidc?.params?.[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** What the request asked for and who asked. */
function requestAttributes(ctx: OidcRequestContext): Attributes {
  const attributes: Attributes = {}
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) attributes[name] = value
  }
  set(TRUST_ATTRIBUTES.client, ctx.oidc?.client?.clientId)
  set(OAUTH_ATTRIBUTES.grantType, param(ctx, 'grant_type'))
  set(OAUTH_ATTRIBUTES.requestedAudience, param(ctx, 'resource') ?? param(ctx, 'audience'))
  set(OAUTH_ATTRIBUTES.requestedScope, param(ctx, 'scope'))
  return attributes
}

/** The OAuth `error` of a refused request's body (`invalid_grant`…), a stable code. */
function oauthError(body: unknown): string {
  const error = (body as { error?: unknown } | undefined)?.error
  return typeof error === 'string' ? error : 'internal'
}

/**
 * Koa middleware for oidc-provider (`provider.use(oidcHopSpan(…))`, before `callback()`).
 *
 * @example
 * ```ts
 * provider.use(oidcHopSpan({ workloadId, callerTraceparent: callerTraceparentOf }))
 * ```
 */
export function oidcHopSpan<C extends OidcRequestContext>(
  options: OidcHopSpanOptions<C>,
): (ctx: C, next: () => Promise<unknown>) => Promise<void> {
  const tracer = trace.getTracer('@mythical/telemetry')
  return async (ctx, next) => {
    const hop = parseTraceparent(String(ctx.req.headers.traceparent))
    if (!hop) {
      await next()
      return
    }
    const caller = parseTraceparent(options.callerTraceparent(ctx.req))
    // Never the ambient context (see hop-span-plugin.ts); no caller: the hop starts the trace.
    const parent =
      caller?.traceId === hop.traceId
        ? trace.setSpanContext(ROOT_CONTEXT, {
            traceId: caller.traceId,
            spanId: caller.parentId,
            traceFlags: TraceFlags.SAMPLED,
            isRemote: true,
          })
        : ROOT_CONTEXT
    const peer = peerOf(ctx.req)
    const span = withSpanId(
      hop.parentId,
      () =>
        tracer.startSpan(
          `${ctx.method} ${ctx.path}`,
          {
            kind: SpanKind.SERVER,
            attributes: {
              [TRUST_ATTRIBUTES.workload]: options.workloadId,
              [TRUST_ATTRIBUTES.route]: `${ctx.method} ${ctx.path}`,
              'http.request.method': ctx.method,
              ...(peer ? { [TRUST_ATTRIBUTES.peer]: peer } : {}),
            },
          },
          parent,
        ),
      hop.traceId,
    )
    if (!span.isRecording()) {
      await next()
      return
    }
    rememberHopSpan(hop.traceId, span)
    try {
      await context.with(trace.setSpan(parent, span), next)
    } finally {
      const issued = options.issuedToken?.(ctx)
      span.setAttributes({
        ...requestAttributes(ctx),
        ...(issued ? tokenAttributes(issued) : {}),
        [TRUST_ATTRIBUTES.status]: ctx.status,
      })
      if (ctx.oidc?.route) span.updateName(`${ctx.method} ${ctx.oidc.route}`)
      if (ctx.status >= 400) {
        span.addEvent(REFUSAL_EVENT, {
          [PROBLEM_CODE]: oauthError(ctx.body),
          [TRUST_ATTRIBUTES.status]: ctx.status,
        })
        span.setStatus({ code: SpanStatusCode.ERROR })
      }
      span.end()
      forgetHopSpan(hop.traceId, span)
    }
  }
}
