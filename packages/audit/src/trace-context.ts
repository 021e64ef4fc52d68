/**
 * W3C Trace Context (`traceparent`, version 00). Every hop continues the caller's trace so the
 * trust trace can line up the decisions of one request across services: the incoming context is
 * parsed, made current for the request's async work, and continued on every outgoing call.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'

/** The parsed `traceparent` header. */
export interface TraceContext {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string
  /** 16 lower-case hex digits, not all zero: the span of the caller. */
  parentId: string
  /** 2 lower-case hex digits; bit 0 is "sampled". */
  flags: string
}

/** `00-<trace-id>-<parent-id>-<flags>`; the spec requires lower-case hex. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
const ZERO = /^0+$/
/** New traces are sampled: every hop of the trust trace should be recorded. */
const SAMPLED = '01'

/**
 * Parses a `traceparent` header strictly: version `00`, exact length, lower-case hex, non-zero
 * ids. Anything else yields `undefined` and the callee starts a new trace (W3C §4.3 "restart").
 *
 * @example
 * ```ts
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')
 * // { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' }
 * ```
 */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined) return undefined
  const match = TRACEPARENT.exec(header.trim())
  if (!match) return undefined
  const [, traceId = '', parentId = '', flags = ''] = match
  if (ZERO.test(traceId) || ZERO.test(parentId)) return undefined
  return { traceId, parentId, flags }
}

/** Random lower-case hex id of `bytes` bytes that is not all zero (as the spec requires). */
function randomId(bytes: number): string {
  for (;;) {
    const id = randomBytes(bytes).toString('hex')
    if (!ZERO.test(id)) return id
  }
}

/**
 * Starts a new span: same trace id and flags as `parent` (or a new sampled trace), new span id.
 * Send `traceparent` on the outgoing call; `context` is what the callee will parse.
 *
 * @example
 * ```ts
 * const { traceparent } = childTraceparent(parseTraceparent(request.headers.traceparent))
 * await fetch(url, { headers: { traceparent } })
 * ```
 */
export function childTraceparent(parent?: TraceContext): {
  traceparent: string
  context: TraceContext
} {
  const context: TraceContext = {
    traceId: parent?.traceId ?? randomId(16),
    parentId: randomId(8),
    flags: parent?.flags ?? SAMPLED,
  }
  return {
    traceparent: `00-${context.traceId}-${context.parentId}-${context.flags}`,
    context,
  }
}

/** The trace context of the request being handled, following its async continuations. */
const current = new AsyncLocalStorage<TraceContext>()

/**
 * Runs `fn` with `context` as the current trace context: everything `fn` starts, synchronously
 * or asynchronously, sees it through {@link currentTraceContext}. service-kit enters the hop's
 * context for each request, so outgoing calls (the mTLS agent) continue the same trace.
 *
 * @example
 * ```ts
 * runWithTraceContext(request.traceContext, () => handle(request))
 * ```
 */
export function runWithTraceContext<T>(context: TraceContext, fn: () => T): T {
  return current.run(context, fn)
}

/**
 * The trace context entered by the innermost {@link runWithTraceContext}, `undefined` outside
 * of one (e.g. a timer or a broker consumer started at boot).
 *
 * @example
 * ```ts
 * const { traceparent } = childTraceparent(currentTraceContext())
 * ```
 */
export function currentTraceContext(): TraceContext | undefined {
  return current.getStore()
}
