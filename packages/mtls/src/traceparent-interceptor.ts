/**
 * Outgoing half of W3C Trace Context: every request a workload sends carries a `traceparent`
 * that continues the trace of the request being handled, so the trust trace does not break at
 * the hop. The incoming half (parse, `request.traceContext`, echo) lives in service-kit.
 */
import { childTraceparent, currentTraceContext } from '@mythical/audit'
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

/**
 * An undici interceptor that sets `traceparent` on every request to a new child span of the
 * current trace context (same trace id and flags, new parent id), or to a new sampled trace when
 * there is none. A `traceparent` the caller set explicitly, in any letter case, is kept as is.
 *
 * @example
 * ```ts
 * const dispatcher = new Agent({ connect: { ca } }).compose(traceparentInterceptor())
 * ```
 */
export function traceparentInterceptor(): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) => {
    const headers = addTraceparent(
      opts.headers,
      () => childTraceparent(currentTraceContext()).traceparent,
    )
    return dispatch(headers === undefined ? opts : { ...opts, headers }, handler)
  }
}
