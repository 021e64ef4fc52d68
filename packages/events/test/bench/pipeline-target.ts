/**
 * Where the events pipeline benchmark runs (plain data, so it crosses to worker threads): its own
 * RabbitMQ vhost and PostgreSQL database, both on the stack's real servers over mutual TLS.
 */
import { connect, credentials } from 'amqplib'
import type { ChannelModel } from 'amqplib'
import pg from 'pg'

export interface BenchTargets {
  readonly broker: {
    readonly hostname: string
    readonly port: number
    readonly vhost: string
    readonly cert: string
    readonly key: string
    readonly ca: string
  }
  readonly database: {
    readonly host: string
    readonly port: number
    readonly user: string
    readonly password: string
    readonly database: string
    readonly ssl: { readonly ca: string; readonly cert: string; readonly key: string }
  }
  /** Each subscriber's schema, holding its `inbox` table. */
  readonly schemas: Readonly<Record<string, string>>
}

/** A broker connection to the bench vhost: the probe's certificate is its credential (EXTERNAL). */
export async function connectBench(target: BenchTargets['broker']): Promise<ChannelModel> {
  const { cert, key, ca } = target
  const conn = await connect(
    { protocol: 'amqps', hostname: target.hostname, port: target.port, vhost: target.vhost },
    { cert, key, ca, minVersion: 'TLSv1.2', credentials: credentials.external() },
  )
  conn.on('error', () => {})
  return conn
}

/**
 * A pool on the bench database (the admin login over mutual TLS, like the provisioning); a
 * subscriber's pool has its own schema first on the search path, so `inbox` is its own.
 */
export function benchPool(target: BenchTargets['database'], schema?: string): pg.Pool {
  const pool = new pg.Pool({
    ...target,
    ssl: { ...target.ssl, rejectUnauthorized: true },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  })
  pool.on('error', () => {}) // an idle client's broken connection; the next query reports it
  return pool
}
