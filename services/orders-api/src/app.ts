/**
 * orders-api, health-only for now: mutual TLS, client certificate required, `/healthz`.
 * `/readyz` checks its database.
 */
import { checkDatabase, createDatabasePool } from '@mythical/db'
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
  const pool = createDatabasePool(config.SECRETS_DIR)
  const app = await createService({
    name: 'orders-api',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    exposure: 'internal',
    logLevel: config.LOG_LEVEL,
    readiness: { database: () => checkDatabase(pool) },
  })
  pool.on('error', (err) => app.log.warn({ err }, 'idle database connection lost'))
  app.addHook('onClose', () => pool.end())
  return app
}
