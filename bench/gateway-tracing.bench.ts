/**
 * `pnpm bench gateway` (this file): what tracing costs the gateway. The gateway alone
 * (services/gateway/test/bench/gateway-bench.ts, one wrk round) runs twelve times, each in a
 * fresh process, in three blocks off, on, on, off / on, off, off, on / off, on, on, off — "on"
 * meaning every request a SERVER span with its audit decisions as events, batched and exported
 * over OTLP/HTTP with mTLS to a sink in this process that accepts and discards (the store's own
 * cost is trace-store's, not the gateway's). The gateway writes its log and audit trail as the
 * stack runs it (`GATEWAY_BENCH_AUDIT=silent` silences them, as the reference comparison does).
 * Compared: the median requests per second and CPU per request (the gateway process's, exporter
 * included) of the six runs on each side, and each block's on ÷ off: a block is two minutes, so a
 * drift in the machine's speed falls on both of its sides. Figures go to docs/performance.md.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:https'
import { loadavg } from 'node:os'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { loadWorkloadIdentity } from '../packages/mtls/src/index.ts'
import { ensureStack, paths } from './stack.ts'

interface Warm {
  scenario: string
  requestsPerSecond: number
  cpuUsPerRequest: number
  p50Ms: number
  p99Ms: number
}

/** Tracing off (`false`) and on (`true`): blocks whose order cancels a linear drift in load. */
const BLOCKS = [
  [false, true, true, false],
  [true, false, false, true],
  [false, true, true, false],
] as const

/** An OTLP/HTTP sink: mTLS with the retail CA, counts spans, answers an empty export response. */
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
        spans += (
          Buffer.concat(chunks)
            .toString()
            .match(/"spanId"/g) ?? []
        ).length
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
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

/** One gateway benchmark in a fresh process (asynchronously: the sink must keep answering). */
async function runGatewayBench(env: Record<string, string>): Promise<Warm> {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('gateway-tracing-run.ts', import.meta.url))],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve))
  if (status !== 0) throw new Error('the gateway benchmark failed')
  const { warm } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { warm: Warm[] }
  const gateway = warm.find((w) => w.scenario === 'gateway')
  if (!gateway) throw new Error('no gateway figures')
  return gateway
}

const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000

const releaseStack = await ensureStack()
const sink = await startSink()
try {
  const figures: Record<'off' | 'on', Warm[]> = { off: [], on: [] }
  const blockRatios: { throughput: number; cpuPerRequest: number }[] = []
  for (const block of BLOCKS) {
    const runs: Record<'off' | 'on', Warm[]> = { off: [], on: [] }
    for (const traced of block) {
      const env = { OTEL_EXPORTER_OTLP_ENDPOINT: traced ? sink.url : '' }
      const warm = await runGatewayBench(env)
      runs[traced ? 'on' : 'off'].push(warm)
      figures[traced ? 'on' : 'off'].push(warm)
    }
    const sum = (side: Warm[], of: (w: Warm) => number) => side.reduce((t, w) => t + of(w), 0)
    blockRatios.push({
      throughput: ratio(
        sum(runs.on, (w) => w.requestsPerSecond),
        sum(runs.off, (w) => w.requestsPerSecond),
      ),
      cpuPerRequest: ratio(
        sum(runs.on, (w) => w.cpuUsPerRequest),
        sum(runs.off, (w) => w.cpuUsPerRequest),
      ),
    })
  }
  const median = (runs: Warm[], of: (w: Warm) => number) =>
    runs.map(of).sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? NaN
  const summary = (runs: Warm[]) => ({
    requestsPerSecond: runs.map((w) => w.requestsPerSecond),
    cpuUsPerRequest: runs.map((w) => w.cpuUsPerRequest),
    p50Ms: runs.map((w) => w.p50Ms),
    medianRequestsPerSecond: median(runs, (w) => w.requestsPerSecond),
    medianCpuUsPerRequest: median(runs, (w) => w.cpuUsPerRequest),
  })
  const off = summary(figures.off)
  const on = summary(figures.on)
  process.stdout.write(
    `${JSON.stringify(
      {
        method:
          'the gateway alone, its audit trail written unless GATEWAY_BENCH_AUDIT=silent, wrk -t1 -c16 -d8s, twelve fresh processes in blocks off on on off / on off off on / off on on off (OTLP/HTTP over mTLS to a discarding sink); medians of six, and on ÷ off per block',
        auditTrail: process.env.GATEWAY_BENCH_AUDIT === 'silent' ? 'silent' : 'written',
        loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
        off,
        on,
        spansExported: sink.spans(),
        throughputOnOfOff: ratio(on.medianRequestsPerSecond, off.medianRequestsPerSecond),
        cpuPerRequestOnOfOff: ratio(on.medianCpuUsPerRequest, off.medianCpuUsPerRequest),
        blocks: blockRatios,
      },
      null,
      2,
    )}\n`,
  )
} finally {
  sink.stop()
  await releaseStack()
}
