/**
 * Per-request context for the express services, the same two facts the fastify kit provides:
 * - `req.traceContext`: W3C trace of this hop, continued from the caller's `traceparent` and
 *   echoed on the response; the rest of the request runs inside it (`currentTraceContext()`),
 *   so the calls it makes through `createMtlsAgent` continue the trace
 * - `req.peerId`: SPIFFE id of the verified mTLS peer, `undefined` without one
 */
import {
  childTraceparent,
  parseTraceparent,
  runWithTraceContext,
  type TraceContext,
} from '@mythical/audit'
import { peerWorkloadId } from '@mythical/mtls'
import type { RequestHandler } from 'express'
import { TLSSocket } from 'node:tls'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- where express declares Request
  namespace Express {
    interface Request {
      /** Trace context of this hop (trace id shared with the caller, own span id). */
      traceContext: TraceContext
      /** SPIFFE id of the mTLS peer, `undefined` when the connection carries no verified one. */
      peerId: string | undefined
    }
  }
}

/**
 * Middleware setting `req.traceContext` and the `traceparent` response header, and running the
 * middleware and routes after it inside the hop's trace context.
 *
 * @example
 * ```ts
 * app.use(expressTraceparent())
 * ```
 */
export function expressTraceparent(): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.traceparent
    const hop = childTraceparent(typeof header === 'string' ? parseTraceparent(header) : undefined)
    req.traceContext = hop.context
    res.setHeader('traceparent', hop.traceparent)
    // express runs the middleware and routes after this one from inside `next`; body-parser
    // (raw-body) calls back in the request's async context, so routes with a body stay in it.
    runWithTraceContext(hop.context, () => next())
  }
}

/**
 * Middleware setting `req.peerId` from the TLS socket.
 *
 * @example
 * ```ts
 * app.use(expressPeerIdentity())
 * ```
 */
export function expressPeerIdentity(): RequestHandler {
  return (req, _res, next) => {
    req.peerId = req.socket instanceof TLSSocket ? peerWorkloadId(req.socket) : undefined
    next()
  }
}
