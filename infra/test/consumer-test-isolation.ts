/**
 * Provisions the consumer integration suites' own vhost and databases (names and client side:
 * `@mythical/events/testing`, `consumer-test-targets.ts`), so those suites never share queues or
 * outbox rows with a running stack:
 *
 * - vhost `mythical-consumer-tests`: the stack's topology and grants (`test-vhost.ts`);
 * - per party of `order.placed`, `<database>_consumer_tests`: owned by the stack database's
 *   NOLOGIN owner role, CONNECT for the service's own role only, its migrations applied as owner.
 *
 * Runs after the stack's own provisioning (`ensureInfrastructure`); idempotent.
 */
import { serviceByName, type StackPaths } from '@mythical/stack'
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
import { localRabbitmqctl, provisionTestVhost, type Rabbitmqctl } from './test-vhost.ts'

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
  await Promise.all([
    provisionTestVhost(paths, CONSUMER_TEST_VHOST, ctl),
    provisionDatabases(paths),
  ])
}
