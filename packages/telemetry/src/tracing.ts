/**
 * The tracer provider of a workload, set up once at boot: spans go through a batch processor (the
 * request path never waits for an export) to an OTLP/HTTP exporter that connects with the
 * workload's own certificate (mTLS) to `OTEL_EXPORTER_OTLP_ENDPOINT`: by default the stack's
 * trace store; Jaeger or Tempo when an operator points it there. The payload is binary protobuf,
 * the standard's default: less than half the bytes of OTLP/JSON for the same spans, at the same
 * CPU cost to the gateway (docs/performance.md).
 *
 * @module
 */
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BatchSpanProcessor,
  TracerProvider,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace'
import { otlpExportOf, type OtlpProtocol } from './config.ts'
import { hopSpanIds } from './hop-span-ids.ts'

/** The workload's certificate, key and CA, as `loadWorkloadIdentity` returns them. */
export interface TracingIdentity {
  readonly spiffeId: string
  readonly certPem: string
  readonly keyPem: string
  readonly caPem: string
}

/** Options of {@link startTracing}. */
export interface TracingOptions {
  /** Manifest name, the span resource's `service.name`. */
  readonly service: string
  readonly identity: TracingIdentity
  /** OTLP base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans are posted to `<endpoint>/v1/traces`. */
  readonly endpoint: string
  /** OTLP encoding, default `http/protobuf`. */
  readonly protocol?: OtlpProtocol
  /** Tests pass an in-memory exporter; default OTLP/HTTP over mTLS to `endpoint`. */
  readonly exporter?: SpanExporter
  /**
   * The tracing benchmark switches recording on and off within one process; default: every
   * span recorded (the trust trace has no gaps).
   */
  readonly sampler?: Sampler
}

/** A running tracer provider. */
export interface Tracing {
  /** Exports what is still queued and stops. */
  shutdown(): Promise<void>
  /** Exports what is queued now (tests, benchmarks). */
  forceFlush(): Promise<void>
}

/** The OTLP/HTTP trace exporter authenticated with the workload's certificate. */
export function otlpExporter(
  identity: TracingIdentity,
  endpoint: string,
  protocol: OtlpProtocol = 'http/protobuf',
): SpanExporter {
  const Exporter = protocol === 'http/json' ? OtlpJsonExporter : OtlpProtobufExporter
  return new Exporter({
    url: new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).href,
    httpAgentOptions: {
      cert: identity.certPem,
      key: identity.keyPem,
      ca: identity.caPem,
      minVersion: 'TLSv1.3',
      keepAlive: true,
    },
  })
}

/**
 * Registers the global tracer provider and context manager (W3C `traceparent` itself is the
 * service kit's). Call once per process, before the first request.
 *
 * @example
 * ```ts
 * const tracing = startTracing({ service: 'orders-api', identity, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT })
 * app.addHook('onClose', () => tracing.shutdown())
 * ```
 */
export function startTracing(options: TracingOptions): Tracing {
  const exporter =
    options.exporter ?? otlpExporter(options.identity, options.endpoint, options.protocol)
  const processor: SpanProcessor = new BatchSpanProcessor({
    exporter,
    // A burst is dropped rather than held in memory without bound: tracing must never take the
    // service down.
    maxQueueSize: 4096,
    scheduledDelayMillis: 500,
  })
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.service,
      'mythical.workload_id': options.identity.spiffeId,
    }),
    idGenerator: hopSpanIds,
    spanProcessors: [processor],
    ...(options.sampler ? { sampler: options.sampler } : {}),
  })
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  trace.setGlobalTracerProvider(provider)
  return {
    shutdown: () => provider.shutdown(),
    forceFlush: () => provider.forceFlush(),
  }
}

let processTracing: Tracing | undefined

/**
 * Starts tracing once per process when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the runner sets it
 * for every workload that exports to the trace store), and does nothing otherwise: without a
 * provider the OpenTelemetry API is a no-op. The variables are the OpenTelemetry standard ones
 * (`config.ts`), so pointing the endpoint at a collector, Jaeger or Tempo is all an operator does.
 *
 * @example
 * ```ts
 * const tracing = tracingFromEnvironment('orders-api', identity)
 * ```
 */
export function tracingFromEnvironment(
  service: string,
  identity: TracingIdentity,
  env?: Readonly<Record<string, string | undefined>>,
): Tracing | undefined {
  const otlp = otlpExportOf(env)
  if (otlp === undefined) return undefined
  processTracing ??= startTracing({ service, identity, ...otlp })
  return processTracing
}
