/**
 * orders-api, health-only for now: mutual TLS, client certificate required, `/healthz`.
 * `/readyz` checks its database.
 */
import { createDatabasePool } from '@mythical/db'
import { createService } from '@mythical/service-kit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { Config } from './config.ts'

/**
 * Builds the orders-api app without listening (tests use `app.inject()`).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config) {
  return createService({
    name: 'orders-api',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    exposure: 'internal',
    logLevel: config.LOG_LEVEL,
    database: createDatabasePool(config.SECRETS_DIR),
  })
}
