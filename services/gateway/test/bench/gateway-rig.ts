/**
 * The gateway benchmark's set-up, shared by the comparison with the reference proxies
 * (`gateway-bench.ts`) and the tracing bench (bench/gateway-tracing-run.ts): the real IdP and an
 * upstream in their own processes, the gateway with every policy of policies.json (limits raised
 * so nothing is refused) and the two reference proxies on the same mTLS transport, Katie's
 * DPoP-bound token, and one measured wrk window at a time.
 */
import { spawn } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Session } from 'node:inspector/promises'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { AddressInfo } from 'node:net'
import { createAuditLogger } from '@mythical/audit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import { testServiceEnv } from '@mythical/service-kit/testing'
import { stackPaths } from '@mythical/stack'
import { Agent, request } from 'undici'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'
import { DEFAULT_POLICY_FILE, loadPolicyFile } from '../../src/policy-file.ts'
import { dpopClient, type DpopClient } from '../helpers/dpop-client.ts'
import { katieToken, startIdp } from '../integration/retail-idp.ts'
import { countThisProcess } from './hardware-counters.ts'
import { referenceProxy } from './references.ts'
import { runWrk, writeWrkInputs, type WrkResult } from './wrk.ts'

export const PUBLIC_ORIGIN = 'https://localhost:8443'
const PATH = '/shopping/products'
export const CONNECTIONS = 16
/** Requests of {@link GatewayRig.warmUp}. */
export const WARM_UP_CALLS = 20
/** Age after which {@link GatewayRig.renewTokenIfOld} mints a new token (it lives five minutes). */
const TOKEN_RENEWAL_MS = 120_000
/** Proofs signed per second of load: more than any configuration serves. */
const PROOFS_PER_SECOND = 7000

/** The three targets: two references and the gateway. */
export type Target = 'bare proxy' | 'proxy + 1 ES256 verify' | 'gateway'

/** Options of {@link startGatewayRig}. */
export interface GatewayRigOptions {
  /**
   * Write the gateway's log and audit trail as the stack runs it (level `info`, synchronous
   * writes to a file) instead of silencing them; default false (the reference proxies log
   * nothing either).
   */
  readonly writeAuditTrail?: boolean
  /**
   * Count each window's instructions and cycles with `perf` (attached to this process for the
   * window); default false.
   */
  readonly countHardware?: boolean
}

/** One measured window: wrk's figures and this process's work per request. */
export interface Window {
  readonly result: WrkResult
  /** CPU (user + system) of this process, the edge servers' own, per request served. */
  readonly cpuUsPerRequest: number
  /** Instructions and cycles this process retired per request, where `perf` can count them. */
  readonly instructionsPerRequest?: number
  readonly cyclesPerRequest?: number
}

async function startUpstream(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('upstream.ts', import.meta.url))], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const { value: line } = (await lines.next()) as IteratorResult<string | undefined>
  if (!line) throw new Error('the benchmark upstream did not start')
  return { url: `https://127.0.0.1:${Number(line)}`, stop: () => child.kill('SIGTERM') }
}

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

/**
 * Starts everything; `close()` stops it again.
 *
 * @example
 * ```ts
 * const rig = await startGatewayRig({ writeAuditTrail: true })
 * await rig.warmUp('gateway')
 * const { result, cpuUsPerRequest } = await rig.measure('gateway', 8)
 * await rig.close()
 * ```
 */
export async function startGatewayRig(options: GatewayRigOptions = {}) {
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
      audit: options.writeAuditTrail
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
  const targets: Record<Target, string> = {
    'bare proxy': await urlOf(bare),
    'proxy + 1 ES256 verify': await urlOf(oneVerify),
    gateway: await urlOf(gateway),
  }
  const client = await dpopClient()
  let token = await katieToken(idp.issuer, client)
  let tokenMintedAt = Date.now()
  const edge = new Agent({ connect: { ca: identity.caPem } })
  let windows = 0

  /** One request through `target` with a fresh proof; its status. */
  const call = async (target: Target, t = token, c: DpopClient = client) => {
    const res = await request(targets[target], {
      dispatcher: edge,
      headers: {
        authorization: `DPoP ${t}`,
        dpop: await c.proof('GET', `${PUBLIC_ORIGIN}${PATH}`, t),
      },
    })
    await res.body.dump()
    return res.statusCode
  }

  async function warmUp(target: Target) {
    for (let i = 0; i < WARM_UP_CALLS; i++) {
      const status = await call(target)
      if (status !== 200) throw new Error(`${target} warm-up answered ${status}`)
    }
  }

  return {
    targets,
    call,
    /** Mints a fresh DPoP client and Katie's token bound to it (the cold path's first request). */
    async freshClient() {
      const fresh = await dpopClient()
      return { client: fresh, token: await katieToken(idp.issuer, fresh) }
    },
    /** Connections, JIT, and the gateway's introspection and exchange caches. */
    warmUp,
    /**
     * A long run (the tracing bench's sixty windows) outlives Katie's access token: before a
     * window, a token older than two minutes is replaced, and the caches warmed with the new one.
     */
    async renewTokenIfOld(target: Target) {
      if (Date.now() - tokenMintedAt < TOKEN_RENEWAL_MS) return
      token = await katieToken(idp.issuer, client)
      tokenMintedAt = Date.now()
      await warmUp(target)
    },
    /**
     * One wrk window of `seconds` against `target`, proofs signed before it (not measured).
     * `settle` runs inside the measured CPU after the load: work the window caused but left
     * queued (the tracing bench's span export) is the window's own cost.
     */
    async measure(target: Target, seconds: number, settle?: () => Promise<void>): Promise<Window> {
      // The references never check jti, so a small set cycles; the gateway needs fresh ones.
      const count = target === 'gateway' ? seconds * PROOFS_PER_SECOND : 2000
      const proofs: string[] = []
      for (let i = 0; i < count; i++)
        proofs.push(await client.proof('GET', `${PUBLIC_ORIGIN}${PATH}`, token))
      // Written before the window: the bench's own file, not the gateway's work.
      const inputs = writeWrkInputs(dir, proofs)
      const counting = options.countHardware ? await countThisProcess() : undefined
      const profile = await startWindowProfile()
      const cpuBefore = process.cpuUsage()
      const result = await runWrk({
        url: targets[target],
        token,
        inputs,
        seconds,
        connections: CONNECTIONS,
      })
      await settle?.()
      const cpu = process.cpuUsage(cpuBefore)
      const counts = await counting?.stop()
      await profile?.stop(`${target}-${windows++}`)
      if (result.non2xx > 0) throw new Error(`${target}: ${result.non2xx} refused requests`)
      return {
        result,
        cpuUsPerRequest: (cpu.user + cpu.system) / result.requests,
        ...(counts
          ? {
              instructionsPerRequest: counts.instructions / result.requests,
              cyclesPerRequest: counts.cycles / result.requests,
            }
          : {}),
      }
    },
    async close() {
      await edge.close()
      await Promise.all([gateway.close(), bare.close(), oneVerify.close()])
      closeSync(logFile)
      rmSync(dir, { recursive: true, force: true })
      upstream.stop()
      await idp.stop()
    },
  }
}

/** A running rig. */
export type GatewayRig = Awaited<ReturnType<typeof startGatewayRig>>
