/**
 * `pnpm stack:up`: the whole stack, detached. Each service runs in its own process group with
 * its output in `.stack/logs/<name>.log` and its pid in `.stack/run/<name>.pid`. Succeeds only
 * once every service answers `/readyz`; otherwise it names the failing service, prints its log
 * tail and stops whatever this run started, so a retry begins from a clean slate.
 */
import type { StackPaths, ServiceDefinition } from '@mythical/stack'
import { bringUp, newStackState, type Launcher } from './bring-up.ts'
import { ServiceUnhealthyError } from './errors.ts'
import { logFile, logTail } from './log-tail.ts'
import {
  infrastructureRecord,
  readStackManifest,
  serviceRecord,
  writeStackManifest,
} from './manifest-file.ts'
import { ownedInfrastructure, ownedNames } from './owned-infrastructure.ts'
import { isAlive } from './proc.ts'
import { spawnDetached } from './spawn-service.ts'
import { tearDown } from './tear-down.ts'

export interface StackUpOptions {
  readonly log: (line: string) => void
  readonly services?: readonly ServiceDefinition[]
  readonly readyTimeoutMs?: number
}

/**
 * @returns the process exit code: 0 when every service is ready, 1 otherwise
 * @example process.exitCode = await stackUp(stackPaths(), { log: console.log })
 */
export async function stackUp(paths: StackPaths, options: StackUpOptions): Promise<number> {
  const { log } = options
  const previous = readStackManifest(paths)
  const state = newStackState()
  const launch: Launcher = (service, env) => {
    const pid = spawnDetached(service, {
      root: paths.root,
      env,
      logFile: logFile(paths, service.name),
    })
    return { pid, isRunning: () => isAlive(pid) }
  }

  try {
    await bringUp({ ...options, paths, launch, state })
  } catch (error) {
    log(`stack:up failed: ${(error as Error).message}`)
    if (error instanceof ServiceUnhealthyError) {
      log(`--- last lines of ${logFile(paths, error.service)} ---`)
      log(logTail(paths, error.service) || '(empty)')
      log('---')
    }
    await tearDown({
      paths,
      services: state.services.filter((s) => s.startedHere).map((s) => s.service),
      infrastructure: ownedNames(state.infrastructureStarted),
      log,
    })
    return 1
  }

  const owned = ownedInfrastructure(state, previous)
  writeStackManifest(paths, {
    startedAt: new Date().toISOString(),
    mode: 'detached',
    services: state.services.map(({ service, pid }) => serviceRecord(service, pid)),
    infrastructure: [
      infrastructureRecord('postgres', owned.postgres),
      infrastructureRecord('rabbitmq', owned.rabbitmq),
    ],
  })
  log(`stack is up: ${state.services.length} services ready, see ${paths.manifest}`)
  return 0
}
