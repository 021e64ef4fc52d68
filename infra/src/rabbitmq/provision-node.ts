import type { StackPaths } from '@mythical/stack'
import { rabbitmqctl } from './commands.ts'
import { RabbitmqCommandFailed } from './errors.ts'
import { rabbitmqLayout } from './layout.ts'
import { prepareNodeFiles } from './prepare-node.ts'
import { LOCAL_BROKER_LOCATION, writeDefinitions } from './write-definitions.ts'

/**
 * Provisions the stack's running node from the one generated definitions file, then deletes every
 * user the definitions do not declare (e.g. a `guest` seeded by an older data folder): the broker
 * holds exactly the stack's least-privilege users and nothing else. Idempotent.
 *
 * Workload certificates live for hours and the PKI renews them in place, so provisioning (which
 * the runner does on every `stack:up`) also copies the current certificate, key and CA bundle in
 * again and clears the node's TLS PEM cache: new connections get the renewed material.
 */
export async function provisionNode(paths: StackPaths): Promise<void> {
  const layout = rabbitmqLayout(paths)
  await prepareNodeFiles(paths, layout)
  await rabbitmqctl(layout, ['eval', 'ssl:clear_pem_cache().'])
  const { file, usernames } = await writeDefinitions(paths, LOCAL_BROKER_LOCATION)
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
