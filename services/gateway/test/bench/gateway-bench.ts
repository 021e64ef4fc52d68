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
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Session } from 'node:inspector/promises'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import { createAuditLogger } from '@mythical/audit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import { testServiceEnv } from '@mythical/service-kit/testing'
import { Agent, request } from 'undici'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '../../src/policy-file.ts'
import { dpopClient, type DpopClient } from '../helpers/dpop-client.ts'
import { katieToken, startIdp } from '../integration/retail-idp.ts'
import { referenceProxy } from './references.ts'
import { runWrk, type WrkResult } from './wrk.ts'
import { stackPaths } from '@mythical/stack'

const PUBLIC_ORIGIN = 'https://localhost:8443'
const PATH = '/shopping/products'
const SECONDS = 8
const CONNECTIONS = 16
/** Proofs signed per run: more than any configuration serves in {@link SECONDS}. */
const PROOFS_PER_SECOND = 7000
const COLD_SAMPLES = 12

async function startUpstream(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('upstream.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const { value: line } = (await lines.next()) as IteratorResult<string | undefined>
  if (!line) throw new Error('the benchmark upstream did not start')
  return { url: `https://127.0.0.1:${Number(line)}`, stop: () => child.kill('SIGTERM') }
}

async function signProofs(client: DpopClient, token: string, count: number): Promise<string[]> {
  const proofs: string[] = []
  for (let i = 0; i < count; i++)
    proofs.push(await client.proof('GET', `${PUBLIC_ORIGIN}${PATH}`, token))
  return proofs
}

const round = (n: number) => Math.round(n * 100) / 100

/**
 * A CPU profile of the measured window alone (not the proof signing before it), when
 * `GATEWAY_BENCH_PROFILE_DIR` names a folder; read with bench/cpu-profile-summary.ts.
 */
async function startWindowProfile() {
  const dir = process.env.GATEWAY_BENCH_PROFILE_DIR
  if (!dir) return undefined
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    async stop(label: string) {
      const { profile } = await session.post('Profiler.stop')
      writeFileSync(join(dir, `${label}-${process.pid}.cpuprofile`), JSON.stringify(profile))
      session.disconnect()
    },
  }
}

/** Options of {@link benchGateway}. */
export interface GatewayBenchOptions {
  /** Which of the three targets to load; default all (the references set the ratios). */
  readonly scenarios?: readonly ('bare proxy' | 'proxy + 1 ES256 verify' | 'gateway')[]
  /** wrk rounds per target, best kept; default 2. */
  readonly rounds?: number
  /** Also time the cold path (fresh tokens); default true. */
  readonly coldPath?: boolean
  /**
   * Write the gateway's log and audit trail as the stack runs it (level `info`, synchronous
   * writes to a file) instead of silencing them; default false (the reference proxies log
   * nothing either).
   */
  readonly writeAuditTrail?: boolean
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
  const { rounds = 2, coldPath = true, writeAuditTrail = false } = options
  const dir = mkdtempSync(join(tmpdir(), 'gateway-bench-'))
  const logFile = openSync(join(dir, 'gateway.log'), 'a')
  const paths = stackPaths()
  const idp = await startIdp()
  const upstream = await startUpstream()
  const identity = loadWorkloadIdentity(paths.secrets('gateway'))
  const policies = loadPolicyFile(DEFAULT_POLICY_FILE)
  // Every policy runs; none refuses the benchmark's own load.
  policies.slaTiers.gold = { requests: 1_000_000_000, windowSeconds: 60 }
  policies.all.spike = { requests: 1_000_000_000, perSeconds: 1 }
  const gateway = await buildApp(
    loadServiceConfig(
      testServiceEnv('gateway', paths.secrets('gateway'), {
        IDP_ISSUER: idp.issuer,
        IDP_URL: idp.issuer.replace('//localhost:', '//127.0.0.1:'),
        IDP_MTLS_URL: idp.mtlsUrl,
        MY_SHOPPING_API_URL: upstream.url,
        SHOP_ASSISTANT_API_URL: upstream.url,
        GATEWAY_PUBLIC_URL: PUBLIC_ORIGIN,
      }),
    ),
    {
      policies,
      audit: writeAuditTrail
        ? createAuditLogger({
            service: 'gateway',
            level: 'info',
            destination: { write: (line: string) => writeSync(logFile, line) },
          })
        : createAuditLogger({ service: 'gateway', level: 'silent' }),
    },
  )
  const bare = await referenceProxy(identity, upstream.url, { verifyProof: false })
  const oneVerify = await referenceProxy(identity, upstream.url, { verifyProof: true })
  const urlOf = async (app: typeof bare) => {
    await app.listen({ host: '127.0.0.1', port: 0 })
    return `https://127.0.0.1:${(app.server.address() as AddressInfo).port}${PATH}`
  }
  const allTargets = {
    'bare proxy': await urlOf(bare),
    'proxy + 1 ES256 verify': await urlOf(oneVerify),
    gateway: await urlOf(gateway),
  }
  const targets = Object.fromEntries(
    Object.entries(allTargets).filter(
      ([name]) => !options.scenarios || options.scenarios.some((s) => s === name),
    ),
  )
  const client = await dpopClient()
  const token = await katieToken(idp.issuer, client)
  const edge = new Agent({ connect: { ca: identity.caPem } })
  const call = async (url: string, t: string, c: DpopClient) => {
    const res = await request(url, {
      dispatcher: edge,
      headers: {
        authorization: `DPoP ${t}`,
        dpop: await c.proof('GET', `${PUBLIC_ORIGIN}${PATH}`, t),
      },
    })
    await res.body.dump()
    return res.statusCode
  }
  try {
    const results: Record<string, WrkResult[]> = {}
    const cpuPerRequest: Record<string, number[]> = {}
    for (let round = 0; round < rounds; round++) {
      for (const [name, url] of Object.entries(targets)) {
        // Warm: connections, JIT, and the gateway's introspection and exchange caches.
        for (let i = 0; i < 20; i++) {
          const status = await call(url, token, client)
          if (status !== 200) throw new Error(`${name} warm-up answered ${status}`)
        }
        // The references never check jti, so a small set cycles; the gateway needs fresh ones.
        const count = name === 'gateway' ? SECONDS * PROOFS_PER_SECOND : 2000
        const proofs = await signProofs(client, token, count)
        // CPU of this process (edge server; the upstream and wrk run elsewhere) per request: the
        // cost figure that contention on a shared machine distorts least.
        const profile = await startWindowProfile()
        const cpuBefore = process.cpuUsage()
        const result = await runWrk({
          url,
          token,
          proofs,
          seconds: SECONDS,
          connections: CONNECTIONS,
          dir,
        })
        if (result.non2xx > 0) throw new Error(`${name}: ${result.non2xx} refused requests`)
        const cpu = process.cpuUsage(cpuBefore)
        await profile?.stop(`${name}-${round}`)
        cpuPerRequest[name] = [
          ...(cpuPerRequest[name] ?? []),
          (cpu.user + cpu.system) / result.requests,
        ]
        ;(results[name] ??= []).push(result)
      }
    }
    const best = (name: string) =>
      [...(results[name] ?? [])].sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0]
    const reference = best('proxy + 1 ES256 verify')
    const leastCpu = (name: string) => Math.min(...(cpuPerRequest[name] ?? [Infinity]))
    const referenceCpu = leastCpu('proxy + 1 ES256 verify')
    // Ratios to the reference only when it ran (the tracing bench loads the gateway alone).
    const vsReference = (r: WrkResult | undefined, name: string) =>
      reference
        ? {
            ofOneVerify: round((r?.requestsPerSecond ?? 0) / reference.requestsPerSecond),
            addedP50Ms: round((r?.p50Ms ?? 0) - reference.p50Ms),
            addedP99Ms: round((r?.p99Ms ?? 0) - reference.p99Ms),
            cpuOfOneVerify: round(leastCpu(name) / referenceCpu),
          }
        : {}
    const warm = Object.keys(targets).map((name) => {
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
      const fresh = await dpopClient()
      const freshToken = await katieToken(idp.issuer, fresh)
      const t0 = performance.now()
      const status = await call(allTargets.gateway, freshToken, fresh)
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
    await edge.close()
    await Promise.all([gateway.close(), bare.close(), oneVerify.close()])
    closeSync(logFile)
    rmSync(dir, { recursive: true, force: true })
    upstream.stop()
    await idp.stop()
  }
}
