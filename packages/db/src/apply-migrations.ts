import type { ClientBase } from 'pg'
import { MigrationChecksumMismatch, MigrationFailed } from './errors.ts'
import { readMigrations } from './lib/read-migrations.ts'

/**
 * Advisory lock key held while migrating, so two provisioning runs against the same database
 * apply each file once instead of racing.
 */
const MIGRATION_LOCK_KEY = 7_242_012

/** Result of {@link applyMigrations}. */
export interface MigrationReport {
  /** Names of the files applied by this call, in order (empty when the database was up to date). */
  applied: string[]
}

/**
 * Applies the plain SQL migrations of `dir` (`NNNN_name.sql`, in name order) that the database
 * has not seen yet. Each file runs in its own transaction together with its row in
 * `schema_migrations (name, checksum, applied_at)`, so a file is either fully applied and
 * recorded or not at all.
 *
 * Objects are created by the role `client` acts as: provisioning runs this after
 * `SET ROLE <database>_owner`, so tables belong to a NOLOGIN owner and row-level security applies
 * to the service's login role.
 *
 * @example
 * ```ts
 * await client.query('SET ROLE orders_owner')
 * const { applied } = await applyMigrations(client, 'services/orders-api/migrations')
 * ```
 *
 * @throws `MigrationChecksumMismatch` when an applied file was edited (nothing is applied then);
 *   `MigrationFailed` (PostgreSQL error as `cause`) when a file's SQL fails; `MigrationsNotFound`,
 *   `MigrationNameInvalid` for a bad folder.
 */
export async function applyMigrations(client: ClientBase, dir: string): Promise<MigrationReport> {
  const files = await readMigrations(dir)
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const { rows } = await client.query<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations',
    )
    const recorded = new Map(rows.map((row) => [row.name, row.checksum]))
    // Verify every applied file before applying anything: a drifted history stops the run.
    for (const file of files) {
      const checksum = recorded.get(file.name)
      if (checksum !== undefined && checksum !== file.checksum) {
        throw new MigrationChecksumMismatch(
          file.name,
          `migration ${file.name} changed after it was applied (recorded checksum ${checksum}, file ${file.checksum}): add a new migration instead of editing an applied one`,
        )
      }
    }
    const applied: string[] = []
    for (const file of files.filter((f) => !recorded.has(f.name))) {
      try {
        await client.query('BEGIN')
        await client.query(file.sql)
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [
          file.name,
          file.checksum,
        ])
        await client.query('COMMIT')
      } catch (cause) {
        await client.query('ROLLBACK')
        throw new MigrationFailed(
          file.name,
          `migration ${file.name} failed: ${(cause as Error).message}`,
          { cause },
        )
      }
      applied.push(file.name)
    }
    return { applied }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
  }
}
