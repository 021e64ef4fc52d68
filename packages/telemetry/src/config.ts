/**
 * The environment variables of tracing, read and validated here only, all OpenTelemetry standard
 * ones:
 *
 * - `OTEL_EXPORTER_OTLP_ENDPOINT`: the runner sets it to the stack's trace store for every
 *   exporting workload; an operator may point it at a collector, Jaeger or Tempo. Unset or empty:
 *   tracing is off.
 * - `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf`
 *   (the standard's default: half the bytes, the same CPU, see docs/performance.md) or
 *   `http/json`. `grpc` is refused at start-up: no workload here speaks it.
 */
import { loadConfig, urlVar } from '@mythical/config'
import { z } from 'zod'

/** The OTLP encodings a workload can export with. */
const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number]

const protocol = z.enum(OTLP_PROTOCOLS).optional()
const schema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.union([z.literal(''), urlVar]).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
})

/** Where and how a workload exports its spans. */
export interface OtlpExport {
  readonly endpoint: string
  readonly protocol: OtlpProtocol
}

/** The OTLP export settings, or `undefined` when tracing is off. */
export function otlpExportOf(
  env: Readonly<Record<string, string | undefined>> = process.env,
): OtlpExport | undefined {
  const config = loadConfig(schema, env)
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT
  if (endpoint === undefined || endpoint === '') return undefined
  return {
    endpoint,
    protocol:
      config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
      config.OTEL_EXPORTER_OTLP_PROTOCOL ??
      'http/protobuf',
  }
}
