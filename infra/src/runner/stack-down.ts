/**
 * `pnpm stack:down`: stops every service with a pid file (reverse start order, SIGTERM then
 * SIGKILL), then the PostgreSQL and RabbitMQ that the stack itself started, and removes
 * `.stack/stack.json`. Infrastructure someone else started — the integration-test harness, or a
 * developer — is left running unless `infrastructure: 'all'` (`--infrastructure`) asks otherwise.
 */
import { type StackPaths, SERVICES, type Infrastructure } from '@mythical/stack'
import { infrastructureServer } from './infrastructure.ts'
import { readStackManifest, removeStackManifest } from './manifest-file.ts'
import { tearDown } from './tear-down.ts'

export interface StackDownOptions {
  readonly log: (line: string) => void
  /** `'owned'` (default): only what `stack:up` recorded as started by it; `'all'`: both servers. */
  readonly infrastructure?: 'owned' | 'all'
  readonly stopTimeoutMs?: number
}

/**
 * @returns the process exit code (0: nothing of the stack is left running)
 * @example process.exitCode = await stackDown(stackPaths(), { log: console.log })
 */
export async function stackDown(paths: StackPaths, options: StackDownOptions): Promise<number> {
  const manifest = readStackManifest(paths)
  const infrastructure: Infrastructure[] =
    options.infrastructure === 'all'
      ? ['postgres', 'rabbitmq']
      : (manifest?.infrastructure ?? []).filter((r) => r.startedByStack).map((r) => r.name)
  await tearDown({
    paths,
    services: SERVICES,
    infrastructure,
    log: options.log,
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
  })
  removeStackManifest(paths)
  const kept: Infrastructure[] = []
  for (const name of ['postgres', 'rabbitmq'] as const) {
    if (!infrastructure.includes(name) && (await infrastructureServer(name).isRunning(paths))) {
      kept.push(name)
    }
  }
  options.log(
    kept.length === 0
      ? 'stack is down'
      : `stack is down; left running (not started by stack:up): ${kept.join(', ')}`,
  )
  return 0
}
