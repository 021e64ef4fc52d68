/**
 * The database pool and broker connection of a system-of-record service, wired once for every
 * service instead of by hand in each: `/readyz` checks them, their `error` events are logged
 * (an unhandled one would crash the process), and they are released when the app closes.
 */
import type { AuditLogger } from '@mythical/audit'
import { checkBroker } from '@mythical/broker'
import type { ChannelModel } from 'amqplib'
import { checkDatabase } from '@mythical/db'
import type { Pool } from 'pg'
import { lazyConnection } from './lazy-connection.ts'
import type { ReadinessChecks } from './readiness.ts'

/** Connections a service holds to its own database and to the broker. */
export interface SystemsOfRecord {
  /** Its own database, e.g. `createDatabasePool(config.SECRETS_DIR)`. */
  database?: Pool
  /**
   * Opens its broker connection, e.g. `() => connectBroker(config.SECRETS_DIR)`. Called on first
   * use, not at boot: the service is live before the broker is up, and `/readyz` says so.
   */
  broker?: () => Promise<ChannelModel>
}

/** Readiness checks and a release function for {@link SystemsOfRecord}. */
export function wireSystemsOfRecord(
  systems: SystemsOfRecord,
  log: AuditLogger['logger'],
): { readiness: ReadinessChecks; close(): Promise<void> } {
  const readiness: ReadinessChecks = {}
  const releases: (() => Promise<void>)[] = []
  const { database, broker } = systems
  if (database) {
    database.on('error', (err) => log.warn({ err }, 'idle database connection lost'))
    readiness.database = () => checkDatabase(database)
    releases.push(() => database.end())
  }
  if (broker) {
    const connection = lazyConnection(broker, (err) => log.warn({ err }, 'broker connection error'))
    readiness.broker = async () => checkBroker(await connection.get())
    releases.push(() => connection.close())
  }
  return {
    readiness,
    close: async () => {
      for (const release of releases) await release()
    },
  }
}
