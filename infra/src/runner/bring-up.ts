/**
 * Brings the stack up in dependency order, the same way for `pnpm start` and `stack:up`:
 * 1. PKI: `ensurePki` issues what is missing and renews certificates close to expiry
 * 2. PostgreSQL, then RabbitMQ: started unless running, then provisioned
 * 3. builds a service needs (the web's pages), when missing or older than their sources and
 *    the service is not running
 * 4. services in `startOrder`, each awaited ready (`/readyz` over mTLS) before the next starts,
 *    so a service never boots against a dependency that is not serving yet
 * Progress is recorded in a {@link StackState} as it happens, so whoever called can tear down
 * exactly what was started even when bring-up fails or is interrupted half way.
 */
import { ensurePki } from '../pki/index.ts'
import {
  type StackPaths,
  SERVICES,
  type Infrastructure,
  type ServiceDefinition,
  serviceEnvironment,
} from '@mythical/stack'
import { RunnerError } from './errors.ts'
import { waitUntilReady } from './health-probe.ts'
import { ensureInfrastructure } from './infrastructure.ts'
import { runningPid, writePid } from './pid-files.ts'
import { ensureServiceBuilds } from './service-builds.ts'
import { startOrder } from './start-order.ts'

/** A started (or found running) service process. */
export interface LaunchedService {
  readonly pid: number
  /** False once the process has exited. */
  isRunning(): boolean
}

/** How a service process is started: detached with a log file, or attached with prefixed output. */
export type Launcher = (service: ServiceDefinition, env: Record<string, string>) => LaunchedService

export interface StackState {
  /** Infrastructure servers this run started (and so must stop). */
  readonly infrastructureStarted: Record<Infrastructure, boolean>
  /** Services in start order; `startedHere` is false for ones found already running. */
  readonly services: { service: ServiceDefinition; pid: number; startedHere: boolean }[]
}

export const newStackState = (): StackState => ({
  infrastructureStarted: { postgres: false, rabbitmq: false },
  services: [],
})

export interface BringUpOptions {
  readonly paths: StackPaths
  readonly launch: Launcher
  readonly state: StackState
  readonly log: (line: string) => void
  /** Aborting stops bring-up before the next step (Ctrl-C during start-up). */
  readonly signal?: AbortSignal
  readonly services?: readonly ServiceDefinition[]
  readonly readyTimeoutMs?: number
}

class BringUpAbortedError extends RunnerError {
  static override code = 'ERR_RUNNER_ABORTED'
  override code = 'ERR_RUNNER_ABORTED'
}

/**
 * @throws {ServiceUnhealthyError} (or its subclass `ServiceExitedError`) naming the service
 * @example await bringUp({ paths, launch, state: newStackState(), log: console.log })
 */
export async function bringUp(options: BringUpOptions): Promise<void> {
  const { paths, state, log, signal } = options
  const checkAborted = () => {
    if (signal?.aborted) throw new BringUpAbortedError('start-up interrupted')
  }

  const pki = await ensurePki(paths)
  log(`pki: ${pki.issued.length} issued, ${pki.renewed.length} renewed, ${pki.kept.length} kept`)
  checkAborted()

  await ensureInfrastructure(paths, { started: state.infrastructureStarted, log })
  checkAborted()

  const services = startOrder(options.services ?? SERVICES)
  // Never rebuild under a running service: a live Next.js server would lose the pages it serves.
  // A stale build is rebuilt when that service is next started.
  await ensureServiceBuilds(
    paths,
    services.filter((service) => runningPid(paths, service) === undefined),
    log,
  )
  checkAborted()

  for (const service of services) {
    checkAborted()
    const existing = runningPid(paths, service)
    let launched: LaunchedService
    if (existing === undefined) {
      launched = options.launch(
        service,
        serviceEnvironment(service, { target: 'local', root: paths.root }),
      )
      writePid(paths, service.name, launched.pid)
      log(`${service.name}: started (pid ${launched.pid})`)
    } else {
      launched = { pid: existing, isRunning: () => runningPid(paths, service) === existing }
      log(`${service.name}: already running (pid ${existing})`)
    }
    state.services.push({ service, pid: launched.pid, startedHere: existing === undefined })
    await waitUntilReady(paths, service, {
      ...(options.readyTimeoutMs === undefined ? {} : { timeoutMs: options.readyTimeoutMs }),
      isRunning: () => launched.isRunning() && !signal?.aborted,
    })
    log(`${service.name}: ready`)
  }
}
