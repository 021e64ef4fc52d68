/**
 * One run of the gateway benchmark in its own process, for bench/gateway-tracing.bench.ts:
 * tracing is on exactly when OTEL_EXPORTER_OTLP_ENDPOINT is set (as the runner does it), so the
 * process-wide tracer provider of one run never leaks into the other.
 */
import { benchGateway } from '../services/gateway/test/bench/gateway-bench.ts'

process.stdout.write(`${JSON.stringify(await benchGateway())}\n`)
