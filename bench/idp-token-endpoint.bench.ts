/**
 * Token endpoint benchmark of the retail IdP (`pnpm bench idp`, or run this file directly): the real
 * IdP as its own process from its entry point (`startIdpProcess`), its PostgreSQL adapter on the
 * stack's database, called over mutual TLS with keep-alive connections, for
 *
 * - `client_credentials` (order-fulfillment-api → orders-api, certificate-bound JWT), and
 * - token exchange (gateway exchanges a user's opaque gateway token for a my-shopping-api JWT).
 *
 * Reports requests per second and latency percentiles; figures go to docs/performance.md.
 */
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { redeemCode, signIn, startIdpProcess } from '@mythical/testing'
import { ensureStack, paths } from './stack.ts'

/** One scenario's result. */
export interface BenchResult {
  scenario: string
  requests: number
  concurrency: number
  requestsPerSecond: number
  p50Ms: number
  p99Ms: number
}

function agentFor(service: string) {
  const dir = paths.secrets(service)
  return new Agent({
    keepAlive: true,
    ca: readFileSync(paths.caCert('retail')),
    cert: readFileSync(join(dir, 'tls.crt')),
    key: readFileSync(join(dir, 'tls.key')),
  })
}

function post(url: string, agent: Agent, form: Record<string, string>): Promise<number> {
  const body = new URLSearchParams(form).toString()
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0

async function measure(
  scenario: string,
  requests: number,
  concurrency: number,
  call: () => Promise<number>,
): Promise<BenchResult> {
  for (let i = 0; i < concurrency; i++) await call() // warm-up: connections, JIT
  const latencies: number[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next += 1
        const t0 = performance.now()
        const status = await call()
        if (status !== 200) throw new Error(`${scenario}: token endpoint answered ${status}`)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  const round = (n: number) => Math.round(n * 10) / 10
  return {
    scenario,
    requests,
    concurrency,
    requestsPerSecond: round(requests / seconds),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
  }
}

/**
 * Run both scenarios.
 *
 * @example
 * ```ts
 * const results = await benchIdpTokenEndpoint({ requests: 500, concurrency: 8 })
 * ```
 */
export async function benchIdpTokenEndpoint(
  opts: { requests?: number; concurrency?: number } = {},
): Promise<BenchResult[]> {
  const requests = opts.requests ?? 500
  const concurrency = opts.concurrency ?? 8
  const releaseStack = await ensureStack()
  const run = await startIdpProcess()
  const agents = [agentFor('order-fulfillment-api'), agentFor('gateway')] as const
  try {
    const signedIn = await signIn(run.issuer, {
      username: 'katie',
      password: 'katie-loves-shopping',
    })
    const tokens = (await redeemCode(run.issuer, signedIn)).json<{ access_token: string }>()
    const token = `${run.mtlsUrl}/token`
    return [
      await measure('client_credentials', requests, concurrency, () =>
        post(token, agents[0], {
          client_id: 'order-fulfillment-api',
          grant_type: 'client_credentials',
          resource: 'https://orders-api.retail.mythical.example',
          scope: 'orders:write',
        }),
      ),
      await measure('token_exchange', requests, concurrency, () =>
        post(token, agents[1], {
          client_id: 'gateway',
          grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
          subject_token: tokens.access_token,
          subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          resource: 'https://my-shopping-api.retail.mythical.example',
          scope: 'orders:read',
        }),
      ),
    ]
  } finally {
    for (const agent of agents) agent.destroy()
    await run.stop()
    await releaseStack()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = await benchIdpTokenEndpoint()
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
}
