/**
 * payments-api's HTTP side: mutual TLS, client certificate required, `/healthz`; `/readyz` checks
 * its database and the broker. Its work has no route: it consumes `order.placed` into pending
 * payments (`record-pending-payment.ts`) and settles them (`settle-payments.ts`), both started by
 * `main.ts`.
 */
import { createDatabasePool } from '@mythical/db'
import { connectBroker } from '@mythical/broker'
import { createService } from '@mythical/service-kit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { Config } from './config.ts'

/**
 * Builds the payments-api app without listening (tests use `app.inject()`).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config) {
  return createService({
    name: 'payments-api',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    exposure: 'internal',
    logLevel: config.LOG_LEVEL,
    database: createDatabasePool(config.SECRETS_DIR),
    broker: () => connectBroker(config.SECRETS_DIR),
  })
}
