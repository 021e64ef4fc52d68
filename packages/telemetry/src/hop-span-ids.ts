/**
 * Span ids that match the W3C `traceparent` the service kit already answers with: the kit gives
 * each hop its own span id (`request.traceContext.parentId`) before any span exists, and echoes
 * it to the caller. The hop's OpenTelemetry span takes that id, so the id a caller sees on the
 * response is the span in the trace store (and in Jaeger or Tempo).
 *
 * @module
 */
import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace'

const random = new RandomIdGenerator()

/** Set for the duration of one synchronous `startSpan` call, see {@link withSpanId}. */
let requestedSpanId: string | undefined
let requestedTraceId: string | undefined

/** An id generator that hands out requested ids once, random ids otherwise. */
export const hopSpanIds: IdGenerator = {
  generateTraceId: () => {
    const id = requestedTraceId ?? random.generateTraceId()
    requestedTraceId = undefined
    return id
  },
  generateSpanId: () => {
    const id = requestedSpanId ?? random.generateSpanId()
    requestedSpanId = undefined
    return id
  },
}

/**
 * Runs `start` (a synchronous `tracer.startSpan`) so that the span it creates gets `spanId`, and
 * `traceId` if it is a root span (a hop that starts the trace: the kit chose its trace id
 * already). `startSpan` asks the id generator synchronously, so no other span can take them.
 */
export function withSpanId<T>(spanId: string, start: () => T, traceId?: string): T {
  requestedSpanId = spanId
  requestedTraceId = traceId
  try {
    return start()
  } finally {
    requestedSpanId = undefined
    requestedTraceId = undefined
  }
}
