/**
 * One SERVER span per request a workload answers, continuing the caller's trace with the span id
 * the service kit already gave the hop (see `hop-span-ids.ts`), and active for the whole request
 * so every audit decision of the hop becomes one of its events. The span records the two
 * workload ids of the hop (the callee's own, the caller's from its certificate), the route, the
 * status, and a refusal event with the problem's stable `code`. Never a header, a query string
 * or a body: those are where tokens are.
 *
 * @module
 */
import { forgetHopSpan, rememberHopSpan, TRUST_ATTRIBUTES } from '@mythical/audit'
import type { TraceContext } from '@mythical/audit'
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Span,
  type SpanContext,
} from '@opentelemetry/api'
import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { withSpanId } from './hop-span-ids.ts'

/** Name of the span event of a refused request (4xx/5xx answered by this hop). */
export const REFUSAL_EVENT = 'mythical.refusal'
/** Attribute of a refusal event: the RFC 9457 problem's stable `code`. */
export const PROBLEM_CODE = 'mythical.problem.code'

/** Options of {@link hopSpanPlugin}. */
export interface HopSpanOptions {
  /** This workload's SPIFFE id (the callee of every request it answers). */
  readonly workloadId: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The hop's span; `undefined` while tracing is off. */
    hopSpan: Span | undefined
  }
}

/** Paths that are not hops of the trust trace (probes run every few seconds). */
const UNTRACED = new Set(['/healthz', '/readyz'])

/** The caller's span, as the incoming `traceparent` named it (the kit parsed it already). */
function callerSpanContext(request: FastifyRequest, hop: TraceContext): SpanContext | undefined {
  const header = request.headers.traceparent
  if (typeof header !== 'string') return undefined
  const callerSpanId = header.split('-')[2]
  if (callerSpanId === undefined || !header.includes(hop.traceId)) return undefined
  return {
    traceId: hop.traceId,
    spanId: callerSpanId,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  }
}

const hopSpans: FastifyPluginCallback<HopSpanOptions> = (app, opts, done) => {
  const tracer = trace.getTracer('@mythical/telemetry')
  app.decorateRequest('hopSpan', undefined)

  app.addHook('onRequest', (request, _reply, next) => {
    const hop = request.traceContext
    if (UNTRACED.has(request.url)) return next()
    const caller = callerSpanContext(request, hop)
    // Never the ambient context: a keep-alive socket can carry another request's span, and the
    // hop would join that trace. No caller: a root span with the trace id the kit chose.
    const parent = caller ? trace.setSpanContext(ROOT_CONTEXT, caller) : ROOT_CONTEXT
    const route = request.routeOptions.url ?? 'unmatched'
    const span = withSpanId(
      hop.parentId,
      () =>
        tracer.startSpan(
          `${request.method} ${route}`,
          {
            kind: SpanKind.SERVER,
            attributes: {
              [TRUST_ATTRIBUTES.workload]: opts.workloadId,
              [TRUST_ATTRIBUTES.route]: `${request.method} ${route}`,
              'http.request.method': request.method,
              ...(request.peerId ? { [TRUST_ATTRIBUTES.peer]: request.peerId } : {}),
            },
          },
          parent,
        ),
      hop.traceId,
    )
    if (!span.isRecording()) return next()
    request.hopSpan = span
    rememberHopSpan(hop.traceId, span)
    context.with(trace.setSpan(parent, span), next)
  })

  app.addHook('onError', (request, _reply, error, next) => {
    const code = (error as { code?: unknown }).code
    request.hopSpan?.addEvent(REFUSAL_EVENT, {
      [PROBLEM_CODE]: typeof code === 'string' ? code : 'internal',
      [TRUST_ATTRIBUTES.status]: error.statusCode ?? 500,
    })
    next()
  })

  // A client that goes away before the answer: the span still ends (and is still exported).
  app.addHook('onRequestAbort', (request, next) => {
    const span = request.hopSpan
    if (span) {
      span.addEvent(REFUSAL_EVENT, { [PROBLEM_CODE]: 'client_aborted' })
      span.end()
      forgetHopSpan(request.traceContext.traceId, span)
      request.hopSpan = undefined
    }
    next()
  })

  app.addHook('onResponse', (request, reply, next) => {
    const span = request.hopSpan
    if (span) {
      span.setAttribute(TRUST_ATTRIBUTES.status, reply.statusCode)
      if (reply.statusCode >= 400) span.setStatus({ code: SpanStatusCode.ERROR })
      span.end()
      forgetHopSpan(request.traceContext.traceId, span)
    }
    next()
  })
  done()
}

/** Fastify plugin: the hop's span (register after the service kit's traceparent and peer identity). */
export const hopSpanPlugin = fp(hopSpans, {
  fastify: '5.x',
  name: '@mythical/telemetry/hop-span',
  dependencies: ['@mythical/service-kit/traceparent', '@mythical/service-kit/peer-identity'],
})
