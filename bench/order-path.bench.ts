/**
 * `pnpm bench order-path`: Katie's whole order path through a gateway on the running stack —
 * gateway → my-shopping-api → order-fulfillment-api → tokenization-api + orders-api (+ the IdP's
 * token exchanges, PostgreSQL, the outbox) — under concurrent `POST /shopping/me/orders` with
 * distinct Idempotency-Keys and her DPoP-bound token: orders per second, p50/p99, and where the
 * time goes (CPU seconds per process from /proc, and each hop's own response times from the
 * services' request logs in `.stack/logs`).
 *
 * The gateway is the stack's code and configuration, started as its own process on a free port in
 * front of the running stack's services, with the SLA and spike quotas raised: the shipped ones
 * (600 requests a minute per shopper) would measure the rate limit, and spending Katie's quota on
 * the shared stack's gateway would refuse the next e2e run. Hold the stack lock while it runs:
 *
 *   flock /tmp/mythical-stack.lock -c 'pnpm bench order-path'
 */
import { randomUUID } from 'node:crypto'
import {
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  closeSync,
  existsSync,
} from 'node:fs'
import { Agent, request as httpsRequest } from 'node:https'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import {
  dpopKey,
  paths,
  redeemCode,
  signIn,
  startChainService,
  type DpopKey,
  type TokenSet,
} from '@mythical/testing'

const ISSUER = 'https://localhost:4000'
const IDP_MTLS = 'https://localhost:4001'
const PUBLIC_ORIGIN = 'https://localhost:8443'
const ORDERS = '/shopping/me/orders'
const SECONDS = Number(process.env.ORDER_PATH_SECONDS ?? 20)
const CONCURRENCY = Number(process.env.ORDER_PATH_CONCURRENCY ?? 8)
const ORDER = {
  items: [{ sku: 'sku-helmet', quantity: 1 }],
  card: { number: '4111 1111 1111 1111', expMonth: 12, expYear: 2030, cvc: '123' },
}
/** The services of the order path whose request logs are read. */
const HOPS = ['my-shopping-api', 'order-fulfillment-api', 'orders-api']

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places
const percentile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN

/** The shipped policy file with quotas no benchmark load reaches. */
function raisedLimitsPolicyFile(dir: string): string {
  const policies = JSON.parse(
    readFileSync(join(paths.root, 'services/gateway/policies.json'), 'utf8'),
  ) as {
    slaTiers: Record<string, { requests: number; windowSeconds: number }>
    all: { spike: { requests: number; perSeconds: number } }
    apis: { spike?: unknown }[]
  }
  for (const tier of Object.values(policies.slaTiers)) tier.requests = 1_000_000
  policies.all.spike = { requests: 1_000_000, perSeconds: 1 }
  for (const api of policies.apis) delete api.spike
  const file = join(dir, 'policies.json')
  writeFileSync(file, JSON.stringify(policies))
  return file
}

/** CPU seconds (user + system) of every process, by pid, with its parent and command. */
function cpuByPid(): Map<number, { ppid: number; comm: string; seconds: number }> {
  const ticks = 100 // USER_HZ on Linux
  const all = new Map<number, { ppid: number; comm: string; seconds: number }>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      all.set(Number(entry), {
        ppid: Number(fields[1]),
        comm,
        seconds: (Number(fields[11]) + Number(fields[12])) / ticks,
      })
    } catch {
      // exited while listed
    }
  }
  return all
}

/** Which part of the stack (or the machine) a pid belongs to. */
function processGroups(
  benchGatewayPid: number | undefined,
): (pid: number, info: { ppid: number; comm: string }) => string {
  const stack = JSON.parse(readFileSync(join(paths.root, '.stack/stack.json'), 'utf8')) as {
    services: { name: string; pid?: number }[]
  }
  const byPid = new Map(stack.services.flatMap((s) => (s.pid ? [[s.pid, s.name] as const] : [])))
  let postmaster = -1
  try {
    postmaster = Number(
      readFileSync(join(paths.root, '.stack/postgres/data/postmaster.pid'), 'utf8').split('\n')[0],
    )
  } catch {
    // PostgreSQL not run by the local runner
  }
  return (pid, { ppid, comm }) => {
    if (pid === process.pid) return 'bench client (this process)'
    if (pid === benchGatewayPid) return 'gateway (bench instance)'
    const service = byPid.get(pid)
    if (service) return service
    if (pid === postmaster || ppid === postmaster) return 'postgresql'
    if (comm.startsWith('beam') || comm === 'erl_child_setup' || comm === 'epmd') return 'rabbitmq'
    return 'rest of the machine'
  }
}

/** Each log's size now, to read only what the run appends. */
const logOffsets = () =>
  new Map(
    HOPS.map((s) => [
      s,
      statSync(join(paths.root, '.stack/logs', `${s}.log`), { throwIfNoEntry: false })?.size ?? 0,
    ]),
  )

function appendedLines(service: string, from: number): string[] {
  const file = join(paths.root, '.stack/logs', `${service}.log`)
  const size = statSync(file).size
  const buffer = Buffer.alloc(Math.max(0, size - from))
  const fd = openSync(file, 'r')
  try {
    readSync(fd, buffer, 0, buffer.length, from)
  } finally {
    closeSync(fd)
  }
  return buffer.toString('utf8').split('\n').filter(Boolean)
}

/** Response times (ms) by route, from a service's fastify request log lines. */
function responseTimesByRoute(lines: readonly string[]): Map<string, number[]> {
  const routeOf = new Map<string, string>()
  const times = new Map<string, number[]>()
  for (const line of lines) {
    let entry: {
      reqId?: string
      msg?: string
      req?: { method: string; url: string }
      responseTime?: number
    }
    try {
      entry = JSON.parse(line) as typeof entry
    } catch {
      continue
    }
    if (!entry.reqId) continue
    if (entry.msg === 'incoming request' && entry.req) {
      const path = entry.req.url.split('?')[0]?.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id') ?? ''
      routeOf.set(entry.reqId, `${entry.req.method} ${path}`)
    } else if (entry.msg === 'request completed' && entry.responseTime !== undefined) {
      const route = routeOf.get(entry.reqId)
      if (!route) continue
      times.set(route, [...(times.get(route) ?? []), entry.responseTime])
    }
  }
  return times
}

function post(agent: Agent, port: number, token: string, proof: string): Promise<number> {
  const body = JSON.stringify(ORDER)
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        path: ORDERS,
        method: 'POST',
        agent,
        headers: {
          authorization: `DPoP ${token}`,
          dpop: proof,
          'idempotency-key': `bench-${randomUUID()}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

if (!existsSync(join(paths.root, '.stack/stack.json'))) {
  console.log('order-path: no running stack (.stack/stack.json) — start it with pnpm stack:up')
  process.exit(1)
}
const work = mkdtempSync(join(tmpdir(), 'order-path-bench-'))
const gateway = await startChainService(
  'gateway',
  { issuer: ISSUER, mtlsUrl: IDP_MTLS },
  { GATEWAY_POLICY_FILE: raisedLimitsPolicyFile(work), GATEWAY_PUBLIC_URL: PUBLIC_ORIGIN },
)
try {
  const port = Number(new URL(gateway.url).port)
  const key: DpopKey = await dpopKey()
  const tokens = await redeemCode(
    ISSUER,
    await signIn(ISSUER, { username: 'katie', password: 'katie-loves-shopping' }),
    {},
    key,
  )
  if (tokens.status !== 200) throw new Error(`Katie's sign-in: ${tokens.status} ${tokens.text}`)
  const token = tokens.json<TokenSet>().access_token
  const ca = readFileSync(paths.caCert('retail'), 'utf8')
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca })
  const proof = () => key.proof('POST', `${PUBLIC_ORIGIN}${ORDERS}`, token)

  // Warm-up: the gateway's introspection and every hop's token exchange get cached.
  for (let i = 0; i < 10; i++) {
    const status = await post(agent, port, token, await proof())
    if (status !== 201) throw new Error(`warm-up order answered ${status}`)
  }

  const groupOf = processGroups(gateway.pid)
  const cpuBefore = cpuByPid()
  const offsets = logOffsets()
  const loadBefore = loadavg()
  const latencies: number[] = []
  const statuses = new Map<number, number>()
  const started = performance.now()
  const until = started + SECONDS * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const signed = await proof()
        const t0 = performance.now()
        const status = await post(agent, port, token, signed)
        latencies.push(performance.now() - t0)
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }
    }),
  )
  const elapsed = (performance.now() - started) / 1000
  const loadAfter = loadavg()
  const cpuAfter = cpuByPid()
  agent.destroy()
  // Let the services flush their log lines.
  await new Promise((resolve) => setTimeout(resolve, 500))

  const cpu = new Map<string, number>()
  for (const [pid, after] of cpuAfter) {
    const before = cpuBefore.get(pid)?.seconds ?? 0
    const group = groupOf(pid, after)
    cpu.set(group, (cpu.get(group) ?? 0) + (after.seconds - before))
  }
  const cpuTotal = [...cpu.values()].reduce((a, b) => a + b, 0)
  const sorted = [...latencies].sort((a, b) => a - b)
  const created = statuses.get(201) ?? 0

  const hops: Record<
    string,
    Record<string, { requests: number; p50Ms: number; p99Ms: number }>
  > = {}
  for (const service of HOPS) {
    for (const [route, times] of responseTimesByRoute(
      appendedLines(service, offsets.get(service) ?? 0),
    )) {
      if (times.length < 10 || route.includes('/healthz') || route.includes('/readyz')) continue
      const t = [...times].sort((a, b) => a - b)
      hops[service] = {
        ...hops[service],
        [route]: {
          requests: t.length,
          p50Ms: round(percentile(t, 0.5), 2),
          p99Ms: round(percentile(t, 0.99), 2),
        },
      }
    }
  }

  process.stdout.write(
    `${JSON.stringify(
      {
        machine: {
          cpus: cpus().length,
          loadAverageBefore: loadBefore.map((l) => round(l, 2)),
          loadAverageAfter: loadAfter.map((l) => round(l, 2)),
        },
        run: {
          seconds: round(elapsed),
          concurrency: CONCURRENCY,
          statuses: Object.fromEntries(statuses),
        },
        ordersPerSecond: round(created / elapsed),
        latencyMs: {
          p50: round(percentile(sorted, 0.5)),
          p90: round(percentile(sorted, 0.9)),
          p99: round(percentile(sorted, 0.99)),
        },
        cpuSecondsByProcess: Object.fromEntries(
          [...cpu]
            .filter(([, s]) => s > 0.05)
            .sort((a, b) => b[1] - a[1])
            .map(([g, s]) => [g, `${round(s)} s (${round((100 * s) / cpuTotal)} %)`]),
        ),
        cpuMsPerOrder: Object.fromEntries(
          [...cpu]
            .filter(([, s]) => s > 0.05)
            .sort((a, b) => b[1] - a[1])
            .map(([g, s]) => [g, round((1000 * s) / Math.max(1, created), 2)]),
        ),
        hopResponseTimes: hops,
      },
      null,
      2,
    )}\n`,
  )
} finally {
  await gateway.stop()
  rmSync(work, { recursive: true, force: true })
}
