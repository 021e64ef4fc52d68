/**
 * The measuring process of bench/gateway-tracing.bench.ts, started with `--expose-gc` and the
 * sink's URL in OTLP_SINK_URL (and GATEWAY_BENCH_PAIRS, GATEWAY_BENCH_PARTS, GATEWAY_BENCH_AUDIT and
 * the standard OTEL_EXPORTER_OTLP_PROTOCOL passed on): the gateway's tracing windows, as JSON on
 * the last line.
 */
import { otlpExportOf } from '../packages/telemetry/src/index.ts'
import { benchTracingWindows } from '../services/gateway/test/bench/tracing-windows.ts'

const endpoint = process.env.OTLP_SINK_URL
if (!endpoint) throw new Error('OTLP_SINK_URL is not set')
const pairs = process.env.GATEWAY_BENCH_PAIRS
if (pairs !== undefined && !(Number.isInteger(Number(pairs)) && Number(pairs) >= 10))
  throw new Error(`GATEWAY_BENCH_PAIRS=${pairs}: a whole number of pairs, at least 10`)
// The workloads' own reading of the protocol variables, validated the same way.
const otlp = otlpExportOf({ ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint })
const figures = await benchTracingWindows({
  endpoint,
  ...(otlp ? { protocol: otlp.protocol } : {}),
  writeAuditTrail: process.env.GATEWAY_BENCH_AUDIT !== 'silent',
  ...(pairs === undefined ? {} : { pairs: Number(pairs) }),
  parts: process.env.GATEWAY_BENCH_PARTS === '1',
})
process.stdout.write(`${JSON.stringify(figures)}\n`)
