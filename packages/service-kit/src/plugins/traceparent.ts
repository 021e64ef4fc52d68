/**
 * W3C Trace Context for every request:
 * - continue the caller's trace when it sends a valid `traceparent`, start one otherwise
 * - give this hop its own span id, expose it as `request.traceContext`
 * - echo the hop's `traceparent` on the response, so a caller (and the trust trace) can find it
 * - bind the trace id to the request logger
 * - run the rest of the request inside the hop's context (`currentTraceContext()`), so the calls
 *   it makes through `createMtlsAgent` continue the trace
 */
import {
  childTraceparent,
  parseTraceparent,
  runWithTraceContext,
  type TraceContext,
} from '@mythical/audit'
import type { FastifyPluginCallback } from 'fastify'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /** Trace context of this hop (trace id shared with the caller, own span id). */
    traceContext: TraceContext
  }
}

const traceparent: FastifyPluginCallback = (app, _opts, done) => {
  app.decorateRequest('traceContext', undefined as unknown as TraceContext)
  app.addHook('onRequest', (request, reply, next) => {
    const header = request.headers.traceparent
    // A repeated header is ambiguous; start a fresh trace rather than pick one.
    const parent = typeof header === 'string' ? parseTraceparent(header) : undefined
    const hop = childTraceparent(parent)
    request.traceContext = hop.context
    request.log = request.log.child({ traceId: hop.context.traceId })
    reply.header('traceparent', hop.traceparent)
    // fastify calls the next hook, and in the end the handler, from inside `next`; its body
    // parser resumes in the request's async context, so routes with a body stay in the trace.
    runWithTraceContext(hop.context, () => next())
  })
  done()
}

/** Fastify plugin: W3C `traceparent` parsing, propagation and echo. */
export const traceparentPlugin = fp(traceparent, {
  fastify: '5.x',
  name: '@mythical/service-kit/traceparent',
})
