/**
 * A vhost of the integration suites' own on the stack's broker: the stack's definitions
 * (`buildDefinitions` with the same `BROKER_TOPOLOGY` and `brokerGrants()`: quorum queues,
 * dead-letter exchanges, per-user configure/write/read and topic permissions) under another vhost
 * name, minus the users, which the stack's provisioning already declared (certificate login, no
 * password, no tags). A suite that publishes and reads messages there never races a running
 * stack's relay and consumers, and still meets the stack's own users and grants.
 */
import { join } from 'node:path'
import { BROKER_TOPOLOGY, type StackPaths } from '@mythical/stack'
import { rabbitmqctl } from '../src/rabbitmq/commands.ts'
import { buildDefinitions } from '../src/rabbitmq/definitions.ts'
import { brokerGrants } from '../src/rabbitmq/grants.ts'
import { rabbitmqLayout } from '../src/rabbitmq/layout.ts'
import { writeNodePrivateFile } from '../src/rabbitmq/prepare-node.ts'

/** Runs `rabbitmqctl <args>` against the broker the suites use (local node or container). */
export type Rabbitmqctl = (args: readonly string[]) => Promise<unknown>

/** `rabbitmqctl` of the local runner's node. */
export const localRabbitmqctl =
  (paths: StackPaths): Rabbitmqctl =>
  (args) =>
    rabbitmqctl(rabbitmqLayout(paths), args)

/** Declares `vhost` with the stack's topology and grants; idempotent. */
export async function provisionTestVhost(
  paths: StackPaths,
  vhost: string,
  ctl: Rabbitmqctl = localRabbitmqctl(paths),
): Promise<void> {
  const { users: _declaredByTheStack, ...definitions } = buildDefinitions({
    vhost,
    topology: BROKER_TOPOLOGY,
    grants: brokerGrants(),
  })
  // The node reads the file as the `rabbitmq` OS user; the import goes through its own CLI.
  const file = join(rabbitmqLayout(paths).base, `${vhost}-definitions.json`)
  await writeNodePrivateFile(file, `${JSON.stringify(definitions, null, 2)}\n`)
  await ctl(['import_definitions', file])
}
