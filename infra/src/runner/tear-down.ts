/**
 * Stops services in reverse start order (SIGTERM to the process group, SIGKILL after a timeout),
 * then the infrastructure the caller owns. Used by `pnpm start` on Ctrl-C, by `stack:up` when
 * bring-up fails, and by `stack:down`.
 */
import type { StackPaths, Infrastructure, ServiceDefinition } from '@mythical/stack'
import { stopInfrastructure } from './infrastructure.ts'
import { removePid, runningPid } from './pid-files.ts'
import { stopProcessGroup } from './process-group.ts'
import { stopOrder } from './start-order.ts'

export interface TearDownOptions {
  readonly paths: StackPaths
  /** Services to stop; any order, they are stopped in reverse dependency order. */
  readonly services: readonly ServiceDefinition[]
  readonly infrastructure: readonly Infrastructure[]
  readonly log: (line: string) => void
  readonly stopTimeoutMs?: number
}

/**
 * @example await tearDown({ paths, services: SERVICES, infrastructure: ['postgres', 'rabbitmq'], log })
 */
export async function tearDown(options: TearDownOptions): Promise<void> {
  const { paths, log } = options
  for (const service of stopOrder(options.services)) {
    // Only a pid that still runs this service's entry is signalled (never a recycled pid).
    const pid = runningPid(paths, service)
    if (pid !== undefined) {
      const outcome = await stopProcessGroup(pid, {
        ...(options.stopTimeoutMs === undefined ? {} : { timeoutMs: options.stopTimeoutMs }),
      })
      log(`${service.name}: ${outcome === 'killed' ? 'killed (ignored SIGTERM)' : 'stopped'}`)
    }
    removePid(paths, service.name)
  }
  await stopInfrastructure(paths, options.infrastructure, log)
}
