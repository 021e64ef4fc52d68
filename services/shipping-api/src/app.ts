/**
 * shipping-api, run by the shipping partner (trust domain shipping) on its own stack (express):
 * mutual TLS, client certificate required. It owns the parcels (its own database `shipping`,
 * row-level security by pairwise subject): `order.placed` creates them (`parcel-from-order.ts`,
 * started by main.ts), and `GET /customers/{subject}/parcels` answers order-tracking-api only.
 * `/readyz` checks its database and the broker.
 */
import { join } from 'node:path'
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { checkBroker, connectBroker } from '@mythical/broker'
import { checkDatabase, createDatabasePool } from '@mythical/db'
import { expressServiceBasics, lazyConnection } from '@mythical/service-kit'
import { callerWorkloadIds } from '@mythical/stack'
import express, { type Express } from 'express'
import type pg from 'pg'
import type { Config } from './config.ts'
import { customerParcelsRoute } from './routes/customer-parcels.ts'

export const SERVICE = 'shipping-api'

/** What tests may replace. */
export interface AppDependencies {
  readonly audit?: AuditLogger
}

/** The app, its audit logger and database pool (the event consumer shares both), and `close`. */
export interface ShippingApp {
  readonly app: Express
  readonly audit: AuditLogger
  readonly pool: pg.Pool
  close(): Promise<void>
}

/**
 * Builds the shipping-api express app without listening.
 *
 * @example
 * ```ts
 * const { app, pool, audit } = buildApp(loadServiceConfig())
 * ```
 */
export function buildApp(config: Config, deps: AppDependencies = {}): ShippingApp {
  const audit = deps.audit ?? createAuditLogger({ service: SERVICE, level: config.LOG_LEVEL })
  // PostgreSQL and RabbitMQ are Mythical Retail's: they serve retail-domain certificates.
  const retailCa = join(config.PKI_DIR, 'retail', 'ca.pem')
  const pool = createDatabasePool(config.SECRETS_DIR, { serverCaFile: retailCa })
  // Connected on first use: the service starts (and is live) before the broker is up.
  const broker = lazyConnection(
    () => connectBroker(config.SECRETS_DIR, { serverCaFile: retailCa }),
    (err) => audit.logger.warn({ err }, 'broker connection error'),
  )
  const app = express()
  expressServiceBasics(
    app,
    {
      name: SERVICE,
      audit,
      readiness: {
        database: () => checkDatabase(pool),
        broker: async () => checkBroker(await broker.get()),
      },
    },
    (routes, kit) => {
      routes.get(
        '/customers/:subject/parcels',
        kit.allowCallers(callerWorkloadIds(SERVICE)),
        customerParcelsRoute(pool, audit),
      )
    },
  )
  pool.on('error', (err) => audit.logger.warn({ err }, 'idle database connection lost'))
  const close = async () => {
    await Promise.all([pool.end(), broker.close()])
  }
  return { app, audit, pool, close }
}
