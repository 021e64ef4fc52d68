import { access, rm } from 'node:fs/promises'
import type { StackPaths } from '@mythical/stack'
import { killIdleEpmd, tryRabbitmqctl } from './commands.ts'
import { RabbitmqStopFailed } from './errors.ts'
import { rabbitmqLayout, STACK_NODE, type NodeInstance } from './layout.ts'
import { runningNodePid, waitForExit } from './node-process.ts'

/**
 * Stops the stack's node and leaves none of its processes behind: a graceful
 * `rabbitmqctl stop`, then SIGTERM to *our* VM's pid if it lingers, then epmd, but only when this
 * node started it (epmd refuses to exit while another node, e.g. the machine's own, is registered).
 */
export async function stopNode(
  paths: StackPaths,
  instance: NodeInstance = STACK_NODE,
): Promise<void> {
  const layout = rabbitmqLayout(paths, instance)
  const pid = await runningNodePid(layout)
  if (pid !== undefined) {
    // With the pid file argument, `stop` also waits for the OS process to exit.
    await tryRabbitmqctl(layout, ['stop', layout.pidFile], 60_000)
    if (!(await waitForExit(pid, 5_000))) {
      process.kill(pid, 'SIGTERM')
      if (!(await waitForExit(pid, 15_000))) {
        throw new RabbitmqStopFailed(`the RabbitMQ VM (pid ${pid}) did not exit`)
      }
    }
  }
  await rm(layout.pidFile, { force: true })
  try {
    await access(layout.epmdMarker)
  } catch {
    return
  }
  await killIdleEpmd()
  await rm(layout.epmdMarker, { force: true })
}
