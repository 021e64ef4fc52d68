/**
 * The events benchmark's own corner of the stack's real PostgreSQL and RabbitMQ, so it never
 * touches the stack's queues or databases: a database `events_bench` (outbox, and one schema per
 * subscriber holding its `inbox`, through the admin login) and a vhost `mythical-events-bench` (exchange `orders`,
 * one quorum queue per subscriber) granted to the stack's probe identity only. Idempotent.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { SECRET_FILES } from '../packages/stack/src/index.ts'
import { readBrokerCredentials } from '../packages/broker/src/index.ts'
import type { BenchTargets } from '../packages/events/test/bench/pipeline-target.ts'
import { tryRabbitmqctl } from '../infra/src/rabbitmq/commands.ts'
import { rabbitmqLayout } from '../infra/src/rabbitmq/layout.ts'
import { PROBE_OWNER } from '../infra/src/rabbitmq/grants.ts'
import { postgresLayout } from '../infra/src/postgres/layout.ts'
import { readAdminCredentials } from '../infra/src/postgres/admin-credentials.ts'
import { connectAdmin } from '../infra/src/postgres/connect-admin.ts'
import { paths } from './stack.ts'

export const BENCH_VHOST = 'mythical-events-bench'
export const BENCH_DATABASE = 'events_bench'

async function ensureDatabase(subscribers: readonly string[]): Promise<BenchTargets['database']> {
  const layout = postgresLayout(paths)
  const admin = await readAdminCredentials(layout)
  if (!admin) throw new Error('PostgreSQL has no admin login yet: run pnpm stack:up first')
  const server = await connectAdmin(layout, admin)
  try {
    const { rowCount } = await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      BENCH_DATABASE,
    ])
    if (rowCount === 0) await server.query(`CREATE DATABASE ${BENCH_DATABASE}`)
  } finally {
    await server.end()
  }
  const db = await connectAdmin(layout, admin, BENCH_DATABASE)
  try {
    await db.query(`CREATE TABLE IF NOT EXISTS outbox (
      id bigserial PRIMARY KEY,
      event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
      event_type text NOT NULL,
      payload jsonb NOT NULL,
      published_at timestamptz)`)
    // consumeEvents writes to `inbox`: each subscriber's own schema holds one, found by search_path.
    for (const subscriber of subscribers) {
      await db.query(`CREATE SCHEMA IF NOT EXISTS ${schemaOf(subscriber)}`)
      await db.query(`CREATE TABLE IF NOT EXISTS ${schemaOf(subscriber)}.inbox (
        message_id text PRIMARY KEY CHECK (message_id <> ''),
        received_at timestamptz NOT NULL DEFAULT now())`)
    }
  } finally {
    await db.end()
  }
  const [ca = '', cert = '', key = ''] = await Promise.all(
    [layout.caCert, layout.tlsCert, layout.tlsKey].map((file) => readFile(file, 'utf8')),
  )
  return {
    host: admin.host,
    port: admin.port,
    user: admin.user,
    password: admin.password,
    database: BENCH_DATABASE,
    ssl: { ca, cert, key },
  }
}

/** Schema of one subscriber's `inbox` inside the bench database. */
const schemaOf = (subscriber: string): string => subscriber.replaceAll('-', '_')

/** The vhost, granted to the probe's broker user (its certificate's URI SAN, SASL EXTERNAL). */
async function ensureVhost(): Promise<BenchTargets['broker']> {
  const layout = rabbitmqLayout(paths)
  const secrets = paths.secrets(PROBE_OWNER)
  const credentials = await readBrokerCredentials(secrets)
  const [cert = '', key = '', ca = ''] = await Promise.all(
    [SECRET_FILES.tlsCert, SECRET_FILES.tlsKey, SECRET_FILES.ca].map((f) =>
      readFile(join(secrets, f), 'utf8'),
    ),
  )
  await tryRabbitmqctl(layout, ['add_vhost', BENCH_VHOST])
  const grant = ['set_permissions', '-p', BENCH_VHOST, credentials.username, '.*', '.*', '.*']
  const granted = await tryRabbitmqctl(layout, grant)
  if (!granted.ok) throw new Error(`cannot grant ${BENCH_VHOST}: ${granted.output}`)
  return { hostname: credentials.host, port: credentials.port, vhost: BENCH_VHOST, cert, key, ca }
}

/** Database and vhost of the events benchmark, ready to use. */
export async function ensureEventsBench(subscribers: readonly string[]): Promise<BenchTargets> {
  const [database, broker] = await Promise.all([ensureDatabase(subscribers), ensureVhost()])
  return { database, broker, schemas: Object.fromEntries(subscribers.map((s) => [s, schemaOf(s)])) }
}
