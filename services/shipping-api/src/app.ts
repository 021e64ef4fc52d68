/**
 * shipping-api, run by the shipping partner (trust domain shipping) on its own stack
 * (express). Health-only for now: mutual TLS, client certificate required, `/healthz`.
 * `/readyz` checks its database and the broker.
 */
import { join } from 'node:path'
import { checkDatabase, createDatabasePool } from '@mythical/db'
import { checkBroker, connectBroker } from '@mythical/broker'
import { expressServiceBasics, lazyConnection } from '@mythical/service-kit'
import express, { type Express } from 'express'
import type { Config } from './config.ts'

/**
 * Builds the shipping-api express app without listening, and `close` for its connections.
 *
 * @example
 * ```ts
 * const { app } = buildApp(loadServiceConfig())
 * ```
 */
export function buildApp(config: Config): { app: Express; close(): Promise<void> } {
  const app = express()
  // PostgreSQL and RabbitMQ are Mythical Retail's: they serve retail-domain certificates.
  const retailCa = join(config.PKI_DIR, 'retail', 'ca.pem')
  const pool = createDatabasePool(config.SECRETS_DIR, { serverCaFile: retailCa })
  // Connected on first use: the service starts (and is live) before the broker is up.
  const broker = lazyConnection(
    () => connectBroker(config.SECRETS_DIR, { serverCaFile: retailCa }),
    (err) => kit.audit.logger.warn({ err }, 'broker connection error'),
  )
  const kit = expressServiceBasics(app, {
    name: 'shipping-api',
    logLevel: config.LOG_LEVEL,
    readiness: {
      database: () => checkDatabase(pool),
      broker: async () => checkBroker(await broker.get()),
    },
  })
  pool.on('error', (err) => kit.audit.logger.warn({ err }, 'idle database connection lost'))
  const close = async () => {
    await Promise.all([pool.end(), broker.close()])
  }
  return { app, close }
}
