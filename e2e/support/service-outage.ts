/**
 * A real outage of one service of the running stack: its process group is stopped (SIGTERM, as
 * `stack:down` does it), the body runs against the stack without it, and the service is started
 * again however the body ends. Only that one service's recorded pid is signalled, and only while
 * it still runs that service's entry.
 */
import { serviceByName, stackPaths } from '@mythical/stack'
import { runningPid } from '@mythical/infra/runner/pid-files'
import { stopProcessGroup } from '@mythical/infra/runner/process-group'
import { restoreStack } from './stack-session.ts'

const paths = stackPaths()

/**
 * @example
 * await withServiceStopped('idp', async () => {
 *   // every call that needs the IdP is refused now
 * })
 */
export async function withServiceStopped<T>(name: string, body: () => Promise<T>): Promise<T> {
  const service = serviceByName(name)
  const pid = runningPid(paths, service)
  if (pid === undefined) throw new Error(`${name} is not running under this stack`)
  await stopProcessGroup(pid)
  try {
    return await body()
  } finally {
    restoreStack()
  }
}
