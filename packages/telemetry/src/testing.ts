/**
 * Test support: the process's tracer provider with an in-memory exporter, so a test can read the
 * spans a service produced (`flush()` first: spans go through the same batch processor); and,
 * for the tracing benchmark, one whose recording is switched on and off.
 *
 * @module
 */
import { performance } from 'node:perf_hooks'
import { context, ProxyTracerProvider, ROOT_CONTEXT, trace, type Tracer } from '@opentelemetry/api'
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import {
  InMemorySpanExporter,
  SamplingDecision,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace'
import type { OtlpProtocol } from './config.ts'
import { otlpExporter, startTracing, type TracingIdentity } from './tracing.ts'

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

/**
 * What becomes of recorded spans: `sent` over OTLP/HTTP as deployed, or, to find which part of
 * tracing costs what, `serialized` in the OTLP encoding and dropped, or `discarded` unserialized.
 */
export type SpanFate = 'sent' | 'serialized' | 'discarded'

/** Tracing whose recording a benchmark switches on and off, see {@link startSwitchedTracing}. */
export interface SwitchedTracing {
  /** Every span from now on recorded (`true`), or none (`false`). */
  record(on: boolean): void
  /** What becomes of the spans recorded from now on; `sent` unless a benchmark says otherwise. */
  recordedSpansAre(fate: SpanFate): void
  /** Exports what is queued. */
  forceFlush(): Promise<void>
  shutdown(): Promise<void>
  /**
   * µs per span that a switched-off provider still costs beyond the OpenTelemetry API's no-op
   * tracer (the SDK's `startSpan` asks the sampler): how much more an "off" window costs than a
   * process that never started tracing.
   */
  offResidualUsPerSpan(): number
}

/** µs per span started and ended by `tracer`, best of five rounds. */
function spanCost(tracer: Tracer): number {
  let best = Infinity
  for (let round = 0; round < 5; round++) {
    const t0 = performance.now()
    for (let i = 0; i < 100_000; i++) tracer.startSpan('GET /bench').end()
    best = Math.min(best, ((performance.now() - t0) * 1000) / 100_000)
  }
  return best
}

/**
 * The process's tracing as {@link startTracing} sets it up (same processor, OTLP/HTTP exporter
 * over mTLS to `endpoint`), with a sampler the caller switches: a process cannot take a
 * registered tracer provider back, so a benchmark compares windows with and without recording in
 * one process instead of two processes whose speeds differ. The exporter can also stop short of
 * sending, see {@link SpanFate}.
 */
export function startSwitchedTracing(
  service: string,
  identity: TracingIdentity,
  endpoint: string,
  protocol?: OtlpProtocol,
): SwitchedTracing {
  let recording = true
  let fate: SpanFate = 'sent'
  const otlp = otlpExporter(identity, endpoint, protocol)
  const serializer = protocol === 'http/json' ? JsonTraceSerializer : ProtobufTraceSerializer
  const exporter: SpanExporter = {
    export(spans, done) {
      if (fate === 'sent') return otlp.export(spans, done)
      if (fate === 'serialized') serializer.serializeRequest(spans)
      done({ code: 0 }) // ExportResultCode.SUCCESS
    },
    shutdown: () => otlp.shutdown(),
    forceFlush: () => otlp.forceFlush?.() ?? Promise.resolve(),
  }
  const sampler: Sampler = {
    shouldSample: () => ({
      decision: recording ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD,
    }),
    toString: () => 'SwitchedSampler',
  }
  const tracing = startTracing({ service, identity, endpoint, sampler, exporter })
  return {
    record: (on) => (recording = on),
    recordedSpansAre: (next) => (fate = next),
    forceFlush: () => tracing.forceFlush(),
    shutdown: () => tracing.shutdown(),
    offResidualUsPerSpan() {
      const was = recording
      recording = false
      const residual =
        spanCost(trace.getTracer('bench')) - spanCost(new ProxyTracerProvider().getTracer('bench'))
      recording = was
      return residual
    },
  }
}
