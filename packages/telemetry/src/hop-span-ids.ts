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

/** An id generator that hands out a requested span id once, random ids otherwise. */
export const hopSpanIds: IdGenerator = {
  generateTraceId: () => random.generateTraceId(),
  generateSpanId: () => {
    const id = requestedSpanId ?? random.generateSpanId()
    requestedSpanId = undefined
    return id
  },
}

/**
 * Runs `start` (a synchronous `tracer.startSpan`) so that the span it creates gets `spanId`.
 * `startSpan` asks the id generator exactly once and synchronously, so no other span can take it.
 */
export function withSpanId<T>(spanId: string, start: () => T): T {
  requestedSpanId = spanId
  try {
    return start()
  } finally {
    requestedSpanId = undefined
  }
}
