/**
 * customers-api, health-only for now: mutual TLS, client certificate required, `/healthz`.
 * `/readyz` checks its database and the broker.
 */
import { createDatabasePool } from '@mythical/db'
import { connectBroker } from '@mythical/broker'
import { createService } from '@mythical/service-kit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { Config } from './config.ts'

/**
 * Builds the customers-api app without listening (tests use `app.inject()`).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config) {
  return createService({
    name: 'customers-api',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    exposure: 'internal',
    logLevel: config.LOG_LEVEL,
    database: createDatabasePool(config.SECRETS_DIR),
    broker: () => connectBroker(config.SECRETS_DIR),
  })
}
