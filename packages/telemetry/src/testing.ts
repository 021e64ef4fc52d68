/**
 * Test support: the process's tracer provider with an in-memory exporter, so a test can read the
 * spans a service produced (`flush()` first: spans go through the same batch processor).
 *
 * @module
 */
import { context, ROOT_CONTEXT } from '@opentelemetry/api'
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { startTracing, type TracingIdentity } from './tracing.ts'

/** Spans recorded by {@link startTestTracing}. */
export interface TestTracing {
  /** Exports what is queued, then returns every finished span so far. */
  spans(): Promise<ReadableSpan[]>
  reset(): void
  shutdown(): Promise<void>
}

/** Registers the global provider (once per process) with an in-memory exporter. */
export function startTestTracing(service: string, identity: TracingIdentity): TestTracing {
  const exporter = new InMemorySpanExporter()
  const tracing = startTracing({ service, identity, endpoint: 'https://127.0.0.1:1', exporter })
  return {
    async spans() {
      await tracing.forceFlush()
      return exporter.getFinishedSpans()
    },
    reset: () => exporter.reset(),
    shutdown: () => tracing.shutdown(),
  }
}

/** Runs `fn` outside of any active span, as code whose async context was lost would. */
export function withoutActiveSpan<T>(fn: () => T): T {
  return context.with(ROOT_CONTEXT, fn)
}
