/**
 * `@mythical/db`: how a system API talks to its system of record. Its own PostgreSQL login over
 * verified TLS, transactions scoped to one customer for row-level security, a readiness probe,
 * and the plain-SQL migration runner used by provisioning.
 *
 * @module
 */
export {
  readDatabaseCredentials,
  parseDatabaseCredentials,
  DATABASE_FILE,
  CA_FILE,
  CERT_FILE,
  KEY_FILE,
  type DatabaseCredentials,
} from './credentials.ts'
export {
  createDatabasePool,
  DEFAULT_POOL_MAX,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  type DatabasePoolOptions,
} from './create-database-pool.ts'
export {
  checkDatabase,
  DEFAULT_CHECK_TIMEOUT_MS,
  type CheckDatabaseOptions,
} from './check-database.ts'
export { withCustomerScope, CUSTOMER_SETTING } from './with-customer-scope.ts'
export { withStaffScope, STAFF_SETTING } from './with-staff-scope.ts'
export { applyMigrations, type MigrationReport } from './apply-migrations.ts'
export {
  DatabaseError,
  InvalidDatabaseCredentials,
  DatabaseUnavailable,
  MigrationsNotFound,
  MigrationNameInvalid,
  MigrationChecksumMismatch,
  MigrationFailed,
  type DatabaseErrorCode,
} from './errors.ts'
