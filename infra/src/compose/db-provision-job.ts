/**
 * Entry point of the compose `db-provision` job: the same `provisionDatabases` as
 * `pnpm stack:up`, pointed at the `postgres` container through `DATABASE_ADMIN_URL` (built here
 * from the admin password `pki-init` generated, so it appears in no compose file). It creates
 * each system of record's roles and database, applies its migrations and writes its
 * `database.json` (host `postgres`) into that service's secrets volume, mounted under `/export`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { provisionDatabases } from '../postgres/provision.ts'
import { databaseAdminUrl } from './database-admin.ts'
import { exportedPaths } from './exported-paths.ts'
import { ADMIN_PASSWORD_FILE } from './export-pki.ts'
import { EXPORT_DIR } from './volumes.ts'

const paths = exportedPaths(EXPORT_DIR)
const password = readFileSync(join(paths.secrets('postgres'), ADMIN_PASSWORD_FILE), 'utf8').trim()
process.env.DATABASE_ADMIN_URL = databaseAdminUrl(password)

for (const { service, database, role, applied } of await provisionDatabases(paths)) {
  console.log(
    `db-provision: ${service}: database ${database}, role ${role}, ${applied.length} migration(s) applied`,
  )
}
