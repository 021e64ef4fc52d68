/**
 * Readiness probe: `GET /readyz` over mutual TLS, as a real client of the service would call it.
 * - presents the `stack-probe-<domain>` operator identity, so internal services (which demand a
 *   client certificate from their own domain CA) let it in
 * - trusts only the service's domain CA and accepts only the service's own SPIFFE id, so a wrong
 *   process squatting on the port is reported unhealthy, not ready
 */
import { loadWorkloadIdentity, createMtlsAgent, type WorkloadIdentity } from '@mythical/mtls'
import { setTimeout as sleep } from 'node:timers/promises'
import { request, type Dispatcher } from 'undici'
import { type StackPaths, workloadId, type ServiceDefinition } from '@mythical/stack'
import { ServiceExitedError, ServiceUnhealthyError } from './errors.ts'

/** Per-request budget of one probe. */
export const PROBE_TIMEOUT_MS = 2_000
/** How long a service may take from spawn to ready (the IdPs migrate and seed on first start). */
export const DEFAULT_READY_TIMEOUT_MS = 60_000
const RETRY_INTERVAL_MS = 250

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/** Secrets folder of the operator identity that probes services of `domain`. */
export const probeIdentityDir = (paths: StackPaths, service: ServiceDefinition): string =>
  paths.secrets(`stack-probe-${service.domain}`)

/**
 * One undici dispatcher per probed service: presents `identity`, pins the server's SPIFFE id.
 *
 * @example const agent = probeAgent(loadWorkloadIdentity(dir), serviceByName('orders-api'))
 */
export const probeAgent = (identity: WorkloadIdentity, service: ServiceDefinition): Dispatcher =>
  createMtlsAgent(identity, {
    allowedServerIds: [workloadId(service.domain, service.name)],
  })

/**
 * One readiness request to `https://127.0.0.1:<port>/readyz`. Never throws: a refused
 * connection, a TLS failure, a timeout or a non-2xx status is `{ ok: false, reason }`.
 */
export async function probeOnce(
  agent: Dispatcher,
  service: ServiceDefinition,
  host = '127.0.0.1',
): Promise<ProbeResult> {
  try {
    const response = await request(`https://${host}:${service.port}/readyz`, {
      dispatcher: agent,
      headersTimeout: PROBE_TIMEOUT_MS,
      bodyTimeout: PROBE_TIMEOUT_MS,
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    })
    await response.body.dump()
    if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true }
    return { ok: false, reason: `GET /readyz answered ${response.statusCode}` }
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string }
    if (code && message && !message.includes(code))
      return { ok: false, reason: `${code}: ${message}` }
    return { ok: false, reason: message || code || String(error) }
  }
}

/** Probes a service once with its domain's operator identity, e.g. for `stack:status`. */
export async function probeService(
  paths: StackPaths,
  service: ServiceDefinition,
): Promise<ProbeResult> {
  let agent: Dispatcher
  try {
    agent = probeAgent(loadWorkloadIdentity(probeIdentityDir(paths, service)), service)
  } catch (error) {
    return { ok: false, reason: `probe identity: ${(error as Error).message}` }
  }
  try {
    return await probeOnce(agent, service)
  } finally {
    await agent.close()
  }
}

export interface WaitOptions {
  readonly timeoutMs?: number
  /** Checked between attempts: once false, waiting stops with {@link ServiceExitedError}. */
  readonly isRunning?: () => boolean
}

/**
 * Polls `/readyz` until it answers 2xx.
 *
 * @throws {ServiceExitedError} the process died first
 * @throws {ServiceUnhealthyError} not ready within `timeoutMs` (message has the last reason)
 */
export async function waitUntilReady(
  paths: StackPaths,
  service: ServiceDefinition,
  { timeoutMs = DEFAULT_READY_TIMEOUT_MS, isRunning = () => true }: WaitOptions = {},
): Promise<void> {
  const agent = probeAgent(loadWorkloadIdentity(probeIdentityDir(paths, service)), service)
  const deadline = Date.now() + timeoutMs
  try {
    let last: ProbeResult = { ok: false, reason: 'not probed yet' }
    while (Date.now() < deadline) {
      if (!isRunning()) {
        throw new ServiceExitedError(service.name, `${service.name} exited before it was ready`)
      }
      last = await probeOnce(agent, service)
      if (last.ok) return
      await sleep(RETRY_INTERVAL_MS)
    }
    throw new ServiceUnhealthyError(
      service.name,
      `${service.name} not ready after ${timeoutMs} ms (${last.ok ? 'ok' : last.reason})`,
    )
  } finally {
    await agent.close()
  }
}
