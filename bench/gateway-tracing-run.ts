/**
 * One run of the gateway benchmark in its own process, for bench/gateway-tracing.bench.ts:
 * tracing is on exactly when OTEL_EXPORTER_OTLP_ENDPOINT is set (as the runner does it), so the
 * process-wide tracer provider of one run never leaks into the other. The gateway alone, one
 * round: the references' ratios are the gateway bench's, not this comparison's.
 */
import { benchGateway } from '../services/gateway/test/bench/gateway-bench.ts'

const figures = await benchGateway({
  scenarios: ['gateway'],
  rounds: 1,
  coldPath: false,
  writeAuditTrail: process.env.GATEWAY_BENCH_AUDIT !== 'silent',
})
process.stdout.write(`${JSON.stringify(figures)}\n`)
