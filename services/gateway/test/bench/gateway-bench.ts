/**
 * Gateway benchmark (`pnpm bench gateway`, entry bench/gateway.bench.ts; PKI and PostgreSQL must
 * be up, which the entry ensures): the gateway with its full policy chain against two
 * reference proxies on the same upstream, back to back in one run (see docs/performance.md):
 *
 * - `bare proxy`: fastify forwarding over the same mTLS transport;
 * - `proxy + 1 ES256 verify`: the same plus one DPoP-proof signature check per request;
 * - `gateway`: every policy of policies.json (limits raised so nothing is refused), the kit's
 *   DPoP verification with replay store, introspection and exchange cached (warm).
 *
 * Load: wrk on loopback (1 thread, 16 connections, keep-alive), each request with a fresh
 * pre-signed proof. Upstream in its own process. Then the cold path: the first request of fresh
 * tokens (introspection + token exchange at the real IdP), sequentially.
 *
 * `GATEWAY_BENCH_PROFILE_DIR=<folder>` also writes a CPU profile of each measured wrk window (not
 * the proof signing before it) for bench/cpu-profile-summary.ts.
 */
import { performance } from 'node:perf_hooks'
import { CONNECTIONS, startGatewayRig, type Target } from './gateway-rig.ts'
import type { WrkResult } from './wrk.ts'

const SECONDS = 8
const COLD_SAMPLES = 12

const round = (n: number) => Math.round(n * 100) / 100

/** Options of {@link benchGateway}. */
export interface GatewayBenchOptions {
  /** wrk rounds per target, best kept; default 2. */
  readonly rounds?: number
  /** Also time the cold path (fresh tokens); default true. */
  readonly coldPath?: boolean
}

/**
 * Runs the benchmark and returns its figures.
 *
 * @example
 * ```ts
 * console.log(await benchGateway())
 * ```
 */
export async function benchGateway(options: GatewayBenchOptions = {}) {
  const { rounds = 2, coldPath = true } = options
  // The references log nothing, so the gateway's audit trail is silent here too.
  const rig = await startGatewayRig()
  const targets = Object.keys(rig.targets) as Target[]
  try {
    const results: Record<string, WrkResult[]> = {}
    const cpuPerRequest: Record<string, number[]> = {}
    for (let round = 0; round < rounds; round++) {
      for (const name of targets) {
        await rig.warmUp(name)
        // CPU of this process (edge server; the upstream and wrk run elsewhere) per request: the
        // cost figure that contention on a shared machine distorts least.
        const window = await rig.measure(name, SECONDS)
        ;(cpuPerRequest[name] ??= []).push(window.cpuUsPerRequest)
        ;(results[name] ??= []).push(window.result)
      }
    }
    const best = (name: string) =>
      [...(results[name] ?? [])].sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0]
    const reference = best('proxy + 1 ES256 verify')
    const leastCpu = (name: string) => Math.min(...(cpuPerRequest[name] ?? [Infinity]))
    const referenceCpu = leastCpu('proxy + 1 ES256 verify')
    const vsReference = (r: WrkResult | undefined, name: string) => ({
      ofOneVerify: round((r?.requestsPerSecond ?? 0) / (reference?.requestsPerSecond ?? NaN)),
      addedP50Ms: round((r?.p50Ms ?? 0) - (reference?.p50Ms ?? NaN)),
      addedP99Ms: round((r?.p99Ms ?? 0) - (reference?.p99Ms ?? NaN)),
      cpuOfOneVerify: round(leastCpu(name) / referenceCpu),
    })
    const warm = targets.map((name) => {
      const r = best(name)
      return {
        scenario: name,
        runs: (results[name] ?? []).map((x) => Math.round(x.requestsPerSecond)),
        requestsPerSecond: Math.round(r?.requestsPerSecond ?? 0),
        p50Ms: round(r?.p50Ms ?? 0),
        p99Ms: round(r?.p99Ms ?? 0),
        cpuUsPerRequest: Math.round(leastCpu(name)),
        ...vsReference(r, name),
      }
    })

    // Cold path: the first request of a fresh token (introspection + exchange at the IdP).
    const cold: number[] = []
    for (let i = 0; coldPath && i < COLD_SAMPLES; i++) {
      const fresh = await rig.freshClient()
      const t0 = performance.now()
      const status = await rig.call('gateway', fresh.token, fresh.client)
      cold.push(performance.now() - t0)
      if (status !== 200) throw new Error(`cold path answered ${status}`)
    }
    cold.sort((a, b) => a - b)
    return {
      method: `wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, best of ${rounds} rounds, loopback, 2 vCPUs shared by wrk, the servers and the upstream process`,
      warm,
      coldPath: coldPath
        ? {
            samples: COLD_SAMPLES,
            p50Ms: round(cold[Math.floor(cold.length / 2)] ?? 0),
            maxMs: round(cold.at(-1) ?? 0),
          }
        : undefined,
    }
  } finally {
    await rig.close()
  }
}
