/**
 * `pnpm bench gateway-tracing` (this file): what tracing costs the gateway, measured in one
 * process (services/gateway/test/bench/tracing-windows.ts): the gateway as the stack runs it
 * (`GATEWAY_BENCH_AUDIT=silent` silences its audit trail, as the comparison with the reference
 * proxies does), windows with every request's SERVER span recorded and exported alternating with
 * windows that record nothing; `GATEWAY_BENCH_PAIRS` sets how many pairs (default 30).
 * `GATEWAY_BENCH_PARTS=1` splits the cost into its parts: each round (as many as pairs) has four
 * windows in rotating order, off, spans recorded and discarded, recorded and serialized but not
 * sent, and on, and the report adds each part's ratio to the one before it. The spans
 * go over OTLP/HTTP with mTLS, protobuf as deployed (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`
 * measures JSON), to a sink in this process, which counts and discards them (the
 * store's own cost is trace-store's, not the gateway's). Compared per pair of adjacent windows,
 * whose sides are a second apart: the gateway process's instructions and cycles per request
 * (the CPU's counters, through perf where the VM exposes them), its CPU time per request
 * (exporter included) and the throughput, each on ÷ off as median, geometric mean and the
 * latter's 95 % interval. On a shared VM time and cycles swing with the neighbours; the
 * instructions retired measure the work itself. Figures go to docs/performance.md.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:https'
import { loadavg } from 'node:os'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'
import { loadWorkloadIdentity } from '../packages/mtls/src/index.ts'
import type { benchTracingWindows } from '../services/gateway/test/bench/tracing-windows.ts'
import { OTLP_PROTOBUF } from '../services/trace-store/src/otlp-protobuf.ts'
import { ensureStack, paths } from './stack.ts'

type Windows = Awaited<ReturnType<typeof benchTracingWindows>>
type Window = Windows['rounds'][number]['on']

/**
 * Spans in an OTLP protobuf export request, counted on the wire without decoding them
 * (`resource_spans` 1 → `scope_spans` 2 → `spans` 2): the sink shares the gateway's two cores,
 * so it must cost the traced windows as little in protobuf as its regex does in JSON.
 */
function protobufSpanCount(bytes: Uint8Array, path = [1, 2, 2]): number {
  const [field, ...inner] = path
  if (field === undefined) return 1
  const reader = protobuf.Reader.create(bytes)
  let count = 0
  while (reader.pos < reader.len) {
    const tag = reader.uint32()
    if (tag >>> 3 === field && (tag & 7) === 2) count += protobufSpanCount(reader.bytes(), inner)
    else reader.skipType(tag & 7)
  }
  return count
}

/**
 * An OTLP/HTTP sink: mTLS with the retail CA, counts spans, answers an empty export response in
 * the request's encoding.
 */
async function startSink() {
  const identity = loadWorkloadIdentity(paths.secrets('trace-store'))
  let spans = 0
  const server = createServer(
    {
      cert: identity.certPem,
      key: identity.keyPem,
      ca: identity.caPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const body = Buffer.concat(chunks)
        if (req.headers['content-type'] === OTLP_PROTOBUF) {
          spans += protobufSpanCount(body)
          res.writeHead(200, { 'content-type': OTLP_PROTOBUF }).end()
        } else {
          spans += (body.toString().match(/"spanId"/g) ?? []).length
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
        }
      })
    },
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => spans,
    stop: () => server.close(),
  }
}

/** The measuring process (asynchronously: the sink in this process must keep answering). */
async function runTracingWindows(sinkUrl: string): Promise<Windows> {
  const child = spawn(
    process.execPath,
    ['--expose-gc', fileURLToPath(new URL('gateway-tracing-run.ts', import.meta.url))],
    { env: { ...process.env, OTLP_SINK_URL: sinkUrl }, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
  if (status !== 0) throw new Error('the tracing windows failed')
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Windows
}

const roundTo = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits

/** One window, rounded for the report, on one line (a run has hundreds). */
const perWindow = (w: Window) =>
  [
    `${Math.round(w.result.requestsPerSecond)} req/s`,
    `${Math.round(w.cpuUsPerRequest)} µs`,
    ...(w.instructionsPerRequest === undefined
      ? []
      : [`${roundTo(w.instructionsPerRequest / 1000, 1)} k instructions`]),
    ...(w.cyclesPerRequest === undefined
      ? []
      : [`${roundTo(w.cyclesPerRequest / 1000, 1)} k cycles`]),
  ].join(', ')

/**
 * Student's t for a two-sided 95 % interval with `df` degrees of freedom, from the normal
 * quantile by the Cornish–Fisher expansion: as the tables to 0.001 from 20 degrees on (2.045 at
 * 29, 1.972 at 199); 2.258 for the table's 2.262 at 9.
 */
function t95(df: number): number {
  const z = 1.959964
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)
}

/** Median, mean and the mean's 95 % interval of per-pair figures. */
function describe(values: number[]) {
  const n = values.length
  if (n < 10) throw new Error(`${n} pairs: at least 10 for an interval`)
  const sorted = [...values].sort((a, b) => a - b)
  const median =
    ((sorted[Math.floor((n - 1) / 2)] ?? NaN) + (sorted[Math.ceil((n - 1) / 2)] ?? NaN)) / 2
  const mean = values.reduce((s, v) => s + v, 0) / n
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1))
  const half = (t95(n - 1) * sd) / Math.sqrt(n)
  return { median, mean, interval95: [mean - half, mean + half] }
}

const releaseStack = await ensureStack()
const sink = await startSink()
try {
  const windows = await runTracingWindows(sink.url)
  const { rounds, arms, recordedRequests, recordingWindows, connections } = windows
  // The switch works: every request answered while recording became an exported span, and no
  // window that records nothing added its requests (hundreds each). A recording window may add
  // the requests wrk did not count: one in flight per connection when it stopped, and now and
  // then one it timed out and reconnected for (10 pairs once gave 177 for 11 windows of 16).
  const exported = sink.spans()
  const uncounted = 2 * connections * recordingWindows
  if (exported < recordedRequests || exported - recordedRequests > uncounted)
    throw new Error(`${exported} spans exported for ${recordedRequests} requests recorded`)
  /**
   * `arm` ÷ `base` per round, and `arm` − `base`, of one figure of a window (absent where perf
   * cannot count); on ÷ off unless asked otherwise.
   */
  const compare = (
    of: (w: Window) => number | undefined,
    digits: number,
    arm = 'on',
    base = 'off',
  ) => {
    const sides = rounds.map((r) => [r[arm] && of(r[arm]), r[base] && of(r[base])])
    if (sides.some(([on, off]) => on === undefined || off === undefined)) return 'not counted'
    const both = sides as [number, number][]
    // Ratios are averaged as logarithms (the geometric mean): on ÷ off and off ÷ on then agree,
    // and one window that the machine slowed does not pull the mean the way it pulls a ratio.
    const logRatio = describe(both.map(([on, off]) => Math.log(on / off)))
    const added = describe(both.map(([on, off]) => on - off))
    return {
      [`${arm}Of${base[0]?.toUpperCase()}${base.slice(1)}`]: {
        median: roundTo(Math.exp(logRatio.median), 3),
        geometricMean: roundTo(Math.exp(logRatio.mean), 3),
        interval95: logRatio.interval95.map((n) => roundTo(Math.exp(n), 3)),
      },
      addedPerRequest: {
        mean: roundTo(added.mean, digits),
        interval95: added.interval95.map((n) => roundTo(n, digits)),
      },
      [`${base}PerRequest`]: roundTo(both.reduce((t, [, b]) => t + b, 0) / both.length, digits),
    }
  }
  process.stdout.write(
    `${JSON.stringify(
      {
        method: `one gateway process, its audit trail ${process.env.GATEWAY_BENCH_AUDIT === 'silent' ? 'silent' : 'written'}; ${rounds.length} rounds of ${arms.length} windows of ${windows.windowSeconds} s (wrk -t1 -c${connections}): ${arms.join(', ')}, their order rotated a place each round; each window's CPU (and instructions and cycles, counted by perf) includes flushing its spans (OTLP/HTTP ${windows.protocol} over mTLS to a discarding sink) and a full GC`,
        loadAverage: loadavg().map((l) => roundTo(l, 1)),
        rounds: rounds.map((r) =>
          arms.map((a) => `${a}: ${perWindow(r[a] as Window)}`).join(' · '),
        ),
        instructionsPerRequest: compare((w) => w.instructionsPerRequest, 0),
        cyclesPerRequest: compare((w) => w.cyclesPerRequest, 0),
        cpuUsPerRequest: compare((w) => w.cpuUsPerRequest, 1),
        requestsPerSecond: compare((w) => w.result.requestsPerSecond, 1),
        // Each part against the one before it: recording, then serializing, then sending.
        ...(arms.length > 2
          ? {
              parts: Object.fromEntries(
                arms.slice(1).map((arm, i) => [
                  `${arm} ÷ ${arms[i]}`,
                  {
                    cpuUsPerRequest: compare((w) => w.cpuUsPerRequest, 1, arm, arms[i]),
                    requestsPerSecond: compare((w) => w.result.requestsPerSecond, 1, arm, arms[i]),
                  },
                ]),
              ),
            }
          : {}),
        offResidualUsPerRequest: roundTo(windows.offResidualUsPerRequest, 3),
        tracedRequests: windows.tracedRequests,
        spansExported: exported,
      },
      null,
      2,
    )}\n`,
  )
} finally {
  sink.stop()
  await releaseStack()
}
