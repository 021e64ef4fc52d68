/**
 * Outgoing half of W3C Trace Context: every request a workload sends carries a `traceparent`
 * that continues the trace of the request being handled, so the trust trace does not break at
 * the hop. While tracing is on, the call is a CLIENT span of its own and the `traceparent` names
 * it (`startClientSpan` of `@mythical/audit`), unless the server records its own span in the same
 * trace store: then the `traceparent` names the caller's span (`startCallToTracedServer`). The
 * incoming half (parse, `request.traceContext`, echo) lives in service-kit.
 */
import {
  childTraceparent,
  currentTraceContext,
  startCallToTracedServer,
  startClientSpan,
  type ClientSpan,
} from '@mythical/audit'
import type { Dispatcher } from 'undici'

type Headers = Dispatcher.DispatchOptions['headers']
type HeaderEntry = [string, string | string[] | undefined]

const TRACEPARENT = 'traceparent'

const isTraceparent = (name: unknown): boolean => String(name).toLowerCase() === TRACEPARENT

/**
 * `headers` plus `traceparent: value()`, in a shape undici accepts (flat `[name, value, …]`
 * array, iterable of pairs, or object), or `undefined` when the caller already set one.
 * The caller's object is never mutated: it may be reused for other requests.
 */
function addTraceparent(headers: Headers, value: () => string): Headers | undefined {
  if (headers == null) return { [TRACEPARENT]: value() }
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length; i += 2) if (isTraceparent(headers[i])) return undefined
    return [...headers, TRACEPARENT, value()]
  }
  if (Symbol.iterator in headers) {
    // Read once: the iterable may be a one-shot generator.
    const entries: HeaderEntry[] = [...(headers as Iterable<HeaderEntry>)]
    if (entries.some(([name]) => isTraceparent(name))) return undefined
    entries.push([TRACEPARENT, value()])
    // An own iterator makes undici read pairs; a bare array would be read as flat name, value.
    return { [Symbol.iterator]: () => entries[Symbol.iterator]() }
  }
  if (Object.keys(headers).some(isTraceparent)) return undefined
  return { ...headers, [TRACEPARENT]: value() }
}

/** `handler`, ending `span` when the call ends (answered, upgraded or failed). */
function endingSpan(
  handler: Dispatcher.DispatchHandler,
  span: ClientSpan,
): Dispatcher.DispatchHandler {
  let status: number | undefined
  return {
    onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
    onRequestUpgrade: (controller, statusCode, headers, socket) => {
      span.end(statusCode)
      handler.onRequestUpgrade?.(controller, statusCode, headers, socket)
    },
    onResponseStart: (controller, statusCode, headers, statusMessage) => {
      // Interim 1xx answers come before the final one.
      if (statusCode >= 200) status = statusCode
      handler.onResponseStart?.(controller, statusCode, headers, statusMessage)
    },
    onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
    onResponseEnd: (controller, trailers) => {
      span.end(status)
      handler.onResponseEnd?.(controller, trailers)
    },
    onResponseError: (controller, error) => {
      span.end(status, error)
      handler.onResponseError?.(controller, error)
    },
  }
}

/** Options of {@link traceparentInterceptor}. */
export interface TraceparentInterceptorOptions {
  /** The server's SPIFFE id when the agent admits exactly one: recorded on the CLIENT span. */
  readonly server?: string
  /**
   * The server exports its own SERVER span of each call to the caller's trace store (a retail
   * workload): no CLIENT span, the callee's span hangs from the caller's.
   */
  readonly serverTraced?: boolean
}

/**
 * An undici interceptor that sets `traceparent` on every request: to the request's CLIENT span
 * under the current hop's span while tracing is on, else to a new child span id of the current
 * trace context (same trace id and flags), or to a new sampled trace when there is none. A
 * `traceparent` the caller set explicitly, in any letter case, is kept as is (and no CLIENT span
 * is opened: the caller chose the parent).
 *
 * @example
 * ```ts
 * const dispatcher = new Agent({ connect: { ca } }).compose(traceparentInterceptor())
 * ```
 */
export function traceparentInterceptor(
  options: TraceparentInterceptorOptions = {},
): Dispatcher.DispatcherComposeInterceptor {
  const startCall = options.serverTraced ? startCallToTracedServer : startClientSpan
  return (dispatch) => (opts, handler) => {
    let span: ClientSpan | undefined
    const headers = addTraceparent(opts.headers, () => {
      span = startCall({
        method: opts.method,
        origin: String(opts.origin),
        path: opts.path,
        ...(options.server ? { server: options.server } : {}),
      })
      return span?.traceparent ?? childTraceparent(currentTraceContext()).traceparent
    })
    if (headers === undefined) return dispatch(opts, handler)
    return dispatch({ ...opts, headers }, span ? endingSpan(handler, span) : handler)
  }
}
