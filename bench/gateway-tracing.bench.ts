/**
 * `pnpm bench gateway` (this file): what tracing costs the gateway. The gateway benchmark
 * (services/gateway/test/bench/gateway-bench.ts) runs twice, each in a fresh process: tracing
 * off, then on — every request a SERVER span with its audit decision as an event, batched and
 * exported over OTLP/HTTP with mTLS to a sink in this process that accepts and discards (the
 * store's own cost is trace-store's, not the gateway's). Compared: requests per second and CPU
 * per request of the gateway in the two runs, and each run's gateway throughput over its own
 * reference proxy (the same run, so a shared machine's load cancels out). Figures go to
 * docs/performance.md.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { loadWorkloadIdentity } from '../packages/mtls/src/index.ts'
import { ensureStack, paths } from './stack.ts'

interface Warm {
  scenario: string
  requestsPerSecond: number
  /** Throughput over the reference proxy's, measured in the same run: less load-dependent. */
  ofOneVerify: number
  cpuUsPerRequest: number
  p50Ms: number
  p99Ms: number
}

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

const releaseStack = await ensureStack()
const sink = await startSink()
try {
  const off = await runGatewayBench({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })
  const on = await runGatewayBench({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.url })
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000
  process.stdout.write(
    `${JSON.stringify(
      {
        method:
          'pnpm bench gateway, the gateway scenario twice in fresh processes: tracing off, then on (OTLP/HTTP over mTLS to a discarding sink)',
        off,
        on,
        spansExported: sink.spans(),
        throughputOnOfOff: ratio(on.requestsPerSecond, off.requestsPerSecond),
        // Each run's gateway over its own reference proxy: the machine's load cancels out.
        normalizedThroughputOnOfOff: ratio(on.ofOneVerify, off.ofOneVerify),
        cpuPerRequestOnOfOff: ratio(on.cpuUsPerRequest, off.cpuUsPerRequest),
      },
      null,
      2,
    )}\n`,
  )
} finally {
  sink.stop()
  await releaseStack()
}
