/**
 * The stack's PostgreSQL (TB12): a dedicated instance under `.stack/postgres/` on
 * `INFRASTRUCTURE.postgres.port`, TLS 1.3 only; each system of record logs in with its workload
 * certificate (subject DN mapped to its own role, no password), the superuser with SCRAM plus a
 * trusted certificate. One database and one login role per system of record, tables owned by
 * NOLOGIN owners, row-level security on customer-owned rows.
 *
 * With `DATABASE_ADMIN_URL` set (compose), the server is someone else's to run: `start`/`stop` do
 * nothing and `provision` administers that server.
 *
 * @module
 */
import type { InfrastructureServer } from '../infrastructure.ts'
import type { StackPaths } from '@mythical/stack'
import { ensurePki } from '../pki/index.ts'
import { externalAdminUrl, parseAdminUrl } from './admin-target.ts'
import { connectAdmin } from './connect-admin.ts'
import { postgresLayout } from './layout.ts'
import {
  isLocalServerRunning,
  refreshLocalServer,
  startLocalServer,
  stopLocalServer,
} from './local-server.ts'
import { provisionDatabases, type DatabaseProvisioning } from './provision.ts'
import { withSetupLock } from './setup-lock.ts'

/**
 * Provisions databases, roles and migrations (see `provisionDatabases`) while holding the set-up
 * lock, and reports what it did: tests use the report to prove a second run applies nothing.
 * A local server first gets certificates renewed since its start (reload, no restart).
 */
export function provisionPostgres(paths: StackPaths): Promise<DatabaseProvisioning[]> {
  return withSetupLock(postgresLayout(paths).lock, async () => {
    if (externalAdminUrl() === undefined) await refreshLocalServer(paths)
    return provisionDatabases(paths)
  })
}

/** The PostgreSQL server of the stack; see the module documentation. */
export const postgresServer: InfrastructureServer = {
  name: 'postgres',

  async start(paths: StackPaths): Promise<void> {
    if (externalAdminUrl() !== undefined) return
    // Issues (or renews) the server certificate the start copies into the data directory.
    await ensurePki(paths)
    await withSetupLock(postgresLayout(paths).lock, () => startLocalServer(paths))
  },

  async provision(paths: StackPaths): Promise<void> {
    await provisionPostgres(paths)
  },

  async isRunning(paths: StackPaths): Promise<boolean> {
    const url = externalAdminUrl()
    if (url === undefined) return isLocalServerRunning(paths)
    try {
      const client = await connectAdmin(postgresLayout(paths), parseAdminUrl(url))
      await client.end()
      return true
    } catch {
      return false
    }
  },

  async stop(paths: StackPaths): Promise<void> {
    if (externalAdminUrl() !== undefined) return
    await withSetupLock(postgresLayout(paths).lock, () => stopLocalServer(paths))
  },
}

export type { DatabaseProvisioning } from './provision.ts'
export { findPostgresBinaries, type PostgresBinaries } from './binaries.ts'
export { parseAdminUrl } from './admin-target.ts'
export { postgresLayout, type PostgresLayout } from './layout.ts'
export {
  PostgresSetupError,
  PostgresBinariesNotFound,
  PostgresCommandFailed,
  PostgresPkiMissing,
  PostgresAdminUrlInvalid,
  PostgresAdminCredentialsMissing,
  PostgresAdminCredentialsInvalid,
  PostgresLockTimeout,
} from './errors.ts'
