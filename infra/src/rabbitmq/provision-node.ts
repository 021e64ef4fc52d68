import type { StackPaths } from '@mythical/stack'
import { rabbitmqctl } from './commands.ts'
import { RabbitmqCommandFailed } from './errors.ts'
import { rabbitmqLayout, STACK_NODE, type NodeInstance } from './layout.ts'
import { prepareNodeFiles } from './prepare-node.ts'
import { startNode } from './start-node.ts'
import { stopNode } from './stop-node.ts'
import { localBrokerLocation, writeDefinitions } from './write-definitions.ts'

/**
 * Provisions a running node from the one generated definitions file, then deletes every user the
 * definitions do not declare (e.g. a `guest` seeded by an older data folder, or the password-era
 * `customers_api`): the broker holds exactly the stack's least-privilege users and nothing else.
 * Idempotent.
 *
 * Workload certificates live for hours and the PKI renews them in place, so provisioning (which
 * the runner does on every `stack:up`) also copies the current certificate, key and CA bundle in
 * again and clears the node's TLS PEM cache: new connections get the renewed material. A node
 * still running with an older `rabbitmq.conf` or plugin list (e.g. password login) is restarted:
 * those are read at boot only, and a node that kept them would keep their weaker login.
 */
export async function provisionNode(
  paths: StackPaths,
  instance: NodeInstance = STACK_NODE,
): Promise<void> {
  const layout = rabbitmqLayout(paths, instance)
  const { bootConfigChanged } = await prepareNodeFiles(paths, layout)
  if (bootConfigChanged) {
    await stopNode(paths, instance)
    await startNode(paths, instance)
  }
  await rabbitmqctl(layout, ['eval', 'ssl:clear_pem_cache().'])
  const { file, usernames } = await writeDefinitions(paths, localBrokerLocation(instance))
  await rabbitmqctl(layout, ['import_definitions', file])

  const listed = await rabbitmqctl(layout, ['list_users', '--formatter', 'json', '--silent'])
  let users: { user: string }[]
  try {
    users = JSON.parse(listed) as { user: string }[]
  } catch (cause) {
    throw new RabbitmqCommandFailed('rabbitmqctl list_users returned no JSON', listed, { cause })
  }
  for (const { user } of users) {
    if (!usernames.includes(user)) await rabbitmqctl(layout, ['delete_user', user])
  }
}
