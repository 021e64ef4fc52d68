/**
 * customers-api, health-only for now: mutual TLS, client certificate required, `/healthz`.
 * `/readyz` checks its database and the broker.
 */
import { checkDatabase, createDatabasePool } from '@mythical/db'
import { checkBroker, connectBroker } from '@mythical/broker'
import { createService, lazyConnection } from '@mythical/service-kit'
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
  const pool = createDatabasePool(config.SECRETS_DIR)
  // Connected on first use: the service starts (and is live) before the broker is up.
  const broker = lazyConnection(
    () => connectBroker(config.SECRETS_DIR),
    (err) => app.log.warn({ err }, 'broker connection error'),
  )
  const app = await createService({
    name: 'customers-api',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    exposure: 'internal',
    logLevel: config.LOG_LEVEL,
    readiness: {
      database: () => checkDatabase(pool),
      broker: async () => checkBroker(await broker.get()),
    },
  })
  pool.on('error', (err) => app.log.warn({ err }, 'idle database connection lost'))
  app.addHook('onClose', () => pool.end())
  app.addHook('onClose', () => broker.close())
  return app
}
