/**
 * Provisions the consumer integration suites' own vhost and databases (names and client side:
 * `@mythical/events/testing`, `consumer-test-targets.ts`), so those suites never share queues or
 * outbox rows with a running stack:
 *
 * - vhost `mythical-consumer-tests`: the stack's definitions (`buildDefinitions` with the same
 *   `BROKER_TOPOLOGY` and `brokerGrants()`: quorum queues, dead-letter exchanges, per-user
 *   configure/write/read and topic permissions) for that vhost, minus the users, which the
 *   stack's provisioning already declared (certificate login, no password, no tags);
 * - per party of `order.placed`, `<database>_consumer_tests`: owned by the stack database's
 *   NOLOGIN owner role, CONNECT for the service's own role only, its migrations applied as owner.
 *
 * Runs after the stack's own provisioning (`ensureInfrastructure`); idempotent.
 */
import { join } from 'node:path'
import { BROKER_TOPOLOGY, serviceByName, type StackPaths } from '@mythical/stack'
import { rabbitmqctl } from '../src/rabbitmq/commands.ts'
import { buildDefinitions } from '../src/rabbitmq/definitions.ts'
import { brokerGrants } from '../src/rabbitmq/grants.ts'
import { rabbitmqLayout } from '../src/rabbitmq/layout.ts'
import { writeNodePrivateFile } from '../src/rabbitmq/prepare-node.ts'
import { resolveAdmin } from '../src/postgres/admin-target.ts'
import { connectAdmin } from '../src/postgres/connect-admin.ts'
import { postgresLayout } from '../src/postgres/layout.ts'
import { ensureDatabase, migrateServiceDatabase } from '../src/postgres/provision.ts'
import { serviceCredentials } from '../src/postgres/service-credentials.ts'
import {
  CONSUMER_TEST_SERVICES,
  CONSUMER_TEST_VHOST,
  consumerTestDatabase,
} from '../../packages/events/src/testing/consumer-test-targets.ts'

/** Runs `rabbitmqctl <args>` against the broker the suites use (local node or container). */
export type Rabbitmqctl = (args: readonly string[]) => Promise<unknown>

/** `rabbitmqctl` of the local runner's node. */
export const localRabbitmqctl =
  (paths: StackPaths): Rabbitmqctl =>
  (args) =>
    rabbitmqctl(rabbitmqLayout(paths), args)

async function provisionVhost(paths: StackPaths, ctl: Rabbitmqctl): Promise<void> {
  const layout = rabbitmqLayout(paths)
  const { users: _declaredByTheStack, ...definitions } = buildDefinitions({
    vhost: CONSUMER_TEST_VHOST,
    topology: BROKER_TOPOLOGY,
    grants: brokerGrants(),
  })
  const file = join(layout.base, 'consumer-tests-definitions.json')
  await writeNodePrivateFile(file, `${JSON.stringify(definitions, null, 2)}\n`)
  await ctl(['import_definitions', file])
}

async function provisionDatabases(paths: StackPaths): Promise<void> {
  const admin = await resolveAdmin(postgresLayout(paths))
  const cluster = await connectAdmin(postgresLayout(paths), admin)
  const logins = CONSUMER_TEST_SERVICES.map((name) => {
    const service = serviceByName(name)
    if (service.database === undefined) throw new TypeError(`${name} has no database`)
    return { service, login: serviceCredentials({ ...service, database: service.database }, admin) }
  })
  try {
    for (const { service, login } of logins) {
      await ensureDatabase(cluster, login, consumerTestDatabase(service.name))
    }
  } finally {
    await cluster.end()
  }
  for (const { service, login } of logins) {
    await migrateServiceDatabase(paths, admin, service, login, consumerTestDatabase(service.name))
  }
}

/** The consumer suites' vhost and databases, ready to use. */
export async function provisionConsumerTestIsolation(
  paths: StackPaths,
  ctl: Rabbitmqctl = localRabbitmqctl(paths),
): Promise<void> {
  await Promise.all([provisionVhost(paths, ctl), provisionDatabases(paths)])
}
