import { readFile } from 'node:fs/promises'
import pg from 'pg'
import type { AdminCredentials } from './admin-credentials.ts'
import { PostgresPkiMissing } from './errors.ts'
import type { PostgresLayout } from './layout.ts'

/**
 * Opens a superuser session over mutual TLS, verifying the server certificate against the retail
 * CA and the host name (verify-full), exactly like the services do. Close it with `end()`.
 *
 * @param database Database to connect to. Default is the login's own (`postgres`).
 */
export async function connectAdmin(
  layout: PostgresLayout,
  admin: AdminCredentials,
  database = admin.database,
): Promise<pg.Client> {
  // The server's own workload certificate doubles as the admin's client certificate: whoever
  // holds secrets/postgres/ administers the server, nobody else.
  const [ca, cert, key] = await Promise.all(
    [layout.caCert, layout.tlsCert, layout.tlsKey].map((file) =>
      readFile(file, 'utf8').catch((cause: unknown) => {
        throw new PostgresPkiMissing(`cannot read ${file}: run the PKI first (pnpm pki)`, { cause })
      }),
    ),
  )
  const client = new pg.Client({
    ...admin,
    database,
    ssl: { ca, cert, key, rejectUnauthorized: true },
    application_name: 'mythical-provision',
    connectionTimeoutMillis: 5000,
  })
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => undefined)
    throw error
  }
  return client
}
