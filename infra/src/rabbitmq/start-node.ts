import { rm, writeFile } from 'node:fs/promises'
import type { StackPaths } from '@mythical/stack'
import {
  assertRabbitmqInstalled,
  isEpmdRunning,
  rabbitmqctl,
  spawnDetachedServer,
} from './commands.ts'
import { rabbitmqLayout, STACK_NODE, type NodeInstance } from './layout.ts'
import { runningNodePid } from './node-process.ts'
import { prepareNodeFiles } from './prepare-node.ts'
import { localBrokerLocation, writeDefinitions } from './write-definitions.ts'

/** How long a cold boot (first boot creates the Mnesia schema) may take on a slow machine. */
const STARTUP_TIMEOUT_SECONDS = 120

/**
 * Starts the stack's own RabbitMQ node (or another `instance` in another `.stack/` folder)
 * detached, unless it already runs, and resolves once it has fully booted (its TLS listener is
 * then accepting).
 */
export async function startNode(
  paths: StackPaths,
  instance: NodeInstance = STACK_NODE,
): Promise<void> {
  const layout = rabbitmqLayout(paths, instance)
  if ((await runningNodePid(layout)) === undefined) {
    await assertRabbitmqInstalled()
    await prepareNodeFiles(paths, layout)
    // The node imports these at boot (`load_definitions`), so it never seeds `guest`.
    await writeDefinitions(paths, localBrokerLocation(instance))
    const epmdWasRunning = await isEpmdRunning()
    await rm(layout.pidFile, { force: true })
    await spawnDetachedServer(layout)
    // Only an epmd this node brought up may be stopped with it; a shared one belongs to others.
    if (!epmdWasRunning) await writeFile(layout.epmdMarker, '')
  }
  // `wait` follows the pid file, so it fails fast when the VM dies during boot.
  await rabbitmqctl(
    layout,
    ['wait', layout.pidFile, '--timeout', String(STARTUP_TIMEOUT_SECONDS)],
    (STARTUP_TIMEOUT_SECONDS + 10) * 1000,
  )
}
