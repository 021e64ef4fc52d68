/**
 * The one environment variable of tracing, read and validated here only: the OpenTelemetry
 * standard `OTEL_EXPORTER_OTLP_ENDPOINT` (the runner sets it to the stack's trace store for every
 * exporting workload; an operator may point it at a collector, Jaeger or Tempo). Unset or empty:
 * tracing is off.
 */
import { loadConfig, urlVar } from '@mythical/config'
import { z } from 'zod'

const schema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: z.union([z.literal(''), urlVar]).optional(),
})

/** The OTLP base URL, or `undefined` when tracing is off. */
export function otlpEndpointOf(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const endpoint = loadConfig(schema, env).OTEL_EXPORTER_OTLP_ENDPOINT
  return endpoint === '' ? undefined : endpoint
}
