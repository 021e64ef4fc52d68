import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import pg from 'pg'
import { readDatabaseCredentials } from '@mythical/db'
import { SECRET_FILES, stackPaths } from '@mythical/stack'
import { resolveAdmin } from '../../../src/postgres/admin-target.ts'
import { connectAdmin } from '../../../src/postgres/connect-admin.ts'
import {
  postgresLayout,
  postgresServer,
  provisionPostgres,
  type DatabaseProvisioning,
} from '../../../src/postgres/index.ts'

/** The repository's own stack: tests run against the same `.stack/` as `pnpm start`. */
export const paths = stackPaths()
export const layout = postgresLayout(paths)

/**
 * Starts and provisions the stack's PostgreSQL (both idempotent) and returns the provisioning
 * report plus a teardown that stops the server only if this test started it.
 */
export async function usePostgres(): Promise<{
  report: DatabaseProvisioning[]
  teardown: () => Promise<void>
}> {
  const wasRunning = await postgresServer.isRunning(paths)
  await postgresServer.start(paths)
  const report = await provisionPostgres(paths)
  return {
    report,
    teardown: async () => {
      if (!wasRunning) await postgresServer.stop(paths)
    },
  }
}

/** A service's own secrets folder. */
export const secretsOf = (service: string) => paths.secrets(service)

/** A CA certificate of a trust domain, PEM. */
export const caOf = (domain: 'retail' | 'cardvault' | 'shipping') =>
  readFileSync(paths.caCert(domain), 'utf8')

/** A service's own TLS material, as `createDatabasePool` uses it (client certificate + CA). */
export function tlsOf(service: string): ConnectionOptions {
  const read = (file: string) => readFileSync(join(secretsOf(service), file), 'utf8')
  return {
    ca: read(SECRET_FILES.ca),
    cert: read(SECRET_FILES.tlsCert),
    key: read(SECRET_FILES.tlsKey),
  }
}

/**
 * A client with a service's own credentials and, unless overridden, exactly the TLS settings of
 * `createDatabasePool` (its workload certificate, its domain CA, verification on). `ssl` overrides
 * are merged into those, so a test takes away exactly one thing; `ssl: false` takes TLS away.
 */
export function serviceClient(
  service: string,
  overrides: Omit<pg.ClientConfig, 'ssl'> & { ssl?: ConnectionOptions | false } = {},
) {
  const { ssl, ...rest } = overrides
  return new pg.Client({
    ...readDatabaseCredentials(secretsOf(service)),
    ssl: ssl === false ? false : { ...tlsOf(service), ...ssl },
    connectionTimeoutMillis: 5000,
    ...rest,
  })
}

/** Connects `client`, runs `fn`, always closes it. */
export async function using<T>(client: pg.Client, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Runs `fn` as the superuser on `database` (test set-up and clean-up only). */
export async function asAdmin<T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectAdmin(layout, await resolveAdmin(layout), database)
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Connecting `client` must fail; resolves with the error for the test to inspect. */
export async function connectionError(client: pg.Client): Promise<Error & { code?: string }> {
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => undefined)
    return error as Error & { code?: string }
  }
  await client.end()
  throw new Error('connection unexpectedly succeeded')
}
