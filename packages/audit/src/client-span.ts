/**
 * CLIENT spans: retail's own view of each call a workload makes (another workload, the IdP's
 * token endpoint, the card vault). The outgoing `traceparent` names the CLIENT span, so the
 * callee's SERVER span has a parent that exists in the trace: a standard viewer (Jaeger, Tempo)
 * shows no dangling parent ids. A third party that keeps its own traces (the vault, the partner)
 * still appears, as this span.
 *
 * A call to a workload that exports its own SERVER span to the same store (a retail hop) needs
 * no CLIENT span to be seen: {@link startCallToTracedServer} sends the caller's own span as the
 * parent, so the callee's SERVER span hangs from it, and records only a call that ends without
 * an answer (refused handshake, reset, timeout), as an event of the caller's span: the callee
 * then has no span to show it. One span per hop instead of two: each costs the gateway
 * measurably (docs/performance.md).
 *
 * A CLIENT span hangs from a recording span of this process (the hop's SERVER span or a consumed
 * event's CONSUMER span). A call made outside one (a readiness probe, a key fetch at boot) has no
 * span to hang from: it gets no CLIENT span and keeps the plain child `traceparent`.
 *
 * Only the method, the server and the path are recorded: never a header, a query string or a
 * body (that is where tokens and card numbers travel).
 *
 * @module
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api'
import { hopSpanOf, TRUST_ATTRIBUTES } from './decision-span-event.ts'
import { currentTraceContext } from './trace-context.ts'

/** The outgoing call a CLIENT span stands for. */
export interface ClientCall {
  readonly method: string
  /** `https://host:port` of the server. */
  readonly origin: string
  /** Request path; a query string is cut off. */
  readonly path: string
  /** The server's SPIFFE id, when the caller authenticates exactly one. */
  readonly server?: string
}

/** Name of the event of a call that ended without an answer, on the caller's span. */
export const CALL_FAILED_EVENT = 'mythical.call_failed'

/** An open call: the `traceparent` to send, and how to end it. */
export interface ClientSpan {
  readonly traceparent: string
  /** Ends the span with the response status, or the error that ended the call. */
  end(status: number | undefined, error?: Error): void
}

/**
 * The span a call of this request hangs from: the active one when it belongs to the current
 * trace, else the hop span of the current trace (where the async context was lost), else none.
 */
function parentSpan(): Span | undefined {
  const current = currentTraceContext()
  const active = trace.getActiveSpan()
  if (active?.isRecording() && (!current || active.spanContext().traceId === current.traceId)) {
    return active
  }
  const hop = current ? hopSpanOf(current.traceId) : undefined
  return hop?.isRecording() ? hop : undefined
}

/**
 * The user the parent span acts for. The trace store files a span under its `enduser.id`, so the
 * CLIENT span is shown to the same shopper as its hop. An SDK span exposes its attributes; the
 * API does not promise it, hence the guarded read.
 */
function enduserOf(span: Span): Attributes {
  const attributes = (span as Partial<{ attributes: Attributes }>).attributes
  const user = attributes?.[TRUST_ATTRIBUTES.enduser]
  return typeof user === 'string' ? { [TRUST_ATTRIBUTES.enduser]: user } : {}
}

const pathOf = (call: ClientCall): string => call.path.split('?')[0] ?? '/'

function callAttributes(call: ClientCall, path: string): Attributes {
  const server = new URL(call.origin)
  return {
    'http.request.method': call.method,
    'server.address': server.hostname,
    'url.path': path,
    ...(server.port ? { 'server.port': Number(server.port) } : {}),
    ...(call.server ? { [TRUST_ATTRIBUTES.peer]: call.server } : {}),
  }
}

const errorTypeOf = (error: Error): string => (error as { code?: string }).code ?? error.name

function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext()
  return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`
}

/**
 * Opens the CLIENT span of `call` under the current hop's span, or answers `undefined` when
 * there is none (tracing off, or a call outside any hop).
 *
 * @example
 * ```ts
 * const span = startClientSpan({ method: 'POST', origin: 'https://127.0.0.1:4001', path: '/token' })
 * // send span.traceparent; on the answer: span.end(res.statusCode)
 * ```
 */
export function startClientSpan(call: ClientCall): ClientSpan | undefined {
  const parent = parentSpan()
  if (!parent) return undefined
  const path = pathOf(call)
  const span = trace
    .getTracer('@mythical/audit')
    .startSpan(
      `${call.method} ${path}`,
      { kind: SpanKind.CLIENT, attributes: callAttributes(call, path) },
      trace.setSpan(ROOT_CONTEXT, parent),
    )
  return {
    traceparent: traceparentOf(span),
    end(status, error) {
      span.setAttributes(enduserOf(parent))
      if (status !== undefined) span.setAttribute(TRUST_ATTRIBUTES.status, status)
      if (error) span.setAttribute('error.type', errorTypeOf(error))
      if (error || (status !== undefined && status >= 400)) {
        span.setStatus({ code: SpanStatusCode.ERROR })
      }
      span.end()
    },
  }
}

/**
 * A call to a workload that records its own SERVER span in the same trace store: no CLIENT span.
 * The `traceparent` names the caller's current span, and a call that ends without an answer is a
 * {@link CALL_FAILED_EVENT} on it (with `error.type`). `undefined` when there is no span to hang
 * from (tracing off, or a call outside any hop).
 *
 * @example
 * ```ts
 * const call = startCallToTracedServer({ method: 'GET', origin: 'https://127.0.0.1:8081', path: '/orders' })
 * // send call.traceparent; on the answer: call.end(res.statusCode)
 * ```
 */
export function startCallToTracedServer(call: ClientCall): ClientSpan | undefined {
  const parent = parentSpan()
  if (!parent) return undefined
  return {
    traceparent: traceparentOf(parent),
    end(_status, error) {
      if (!error) return
      parent.addEvent(CALL_FAILED_EVENT, {
        ...callAttributes(call, pathOf(call)),
        'error.type': errorTypeOf(error),
      })
    },
  }
}
