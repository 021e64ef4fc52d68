/**
 * Errors thrown by `@mythical/db`. Every error carries a stable string `code` (static and on the
 * instance, as in jose's `JOSEError`) so callers and tests `switch (err.code)` instead of matching
 * messages.
 *
 * Bad *arguments* (an empty customer id, a non-positive pool size) are plain `TypeError`s; a
 * missing or malformed credentials file, an unreachable database or a broken migration throws a
 * `DatabaseError`. Errors raised by PostgreSQL itself (`permission denied`, row-level security
 * violations) pass through untouched with their SQLSTATE in `code`.
 *
 * @module
 */

/** Stable codes of every {@link DatabaseError}. */
export type DatabaseErrorCode =
  | 'ERR_DB_GENERIC'
  | 'ERR_DB_CREDENTIALS_INVALID'
  | 'ERR_DB_UNAVAILABLE'
  | 'ERR_DB_MIGRATIONS_NOT_FOUND'
  | 'ERR_DB_MIGRATION_NAME_INVALID'
  | 'ERR_DB_MIGRATION_CHECKSUM_MISMATCH'
  | 'ERR_DB_MIGRATION_FAILED'

/** Base class of the errors `@mythical/db` throws on purpose. */
export class DatabaseError extends Error {
  static code: DatabaseErrorCode = 'ERR_DB_GENERIC'
  code: DatabaseErrorCode = 'ERR_DB_GENERIC'

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
    Error.captureStackTrace?.(this, this.constructor)
  }
}

/** `database.json` is missing, unreadable or not the documented shape, or a PEM file is missing. */
export class InvalidDatabaseCredentials extends DatabaseError {
  static override code = 'ERR_DB_CREDENTIALS_INVALID' as const
  override code = 'ERR_DB_CREDENTIALS_INVALID' as const
}

/** The database did not answer a health probe in time, or refused it. */
export class DatabaseUnavailable extends DatabaseError {
  static override code = 'ERR_DB_UNAVAILABLE' as const
  override code = 'ERR_DB_UNAVAILABLE' as const
}

/** The migrations folder does not exist. */
export class MigrationsNotFound extends DatabaseError {
  static override code = 'ERR_DB_MIGRATIONS_NOT_FOUND' as const
  override code = 'ERR_DB_MIGRATIONS_NOT_FOUND' as const
}

/** A `.sql` file in the migrations folder is not named `NNNN_lower_snake_name.sql`. */
export class MigrationNameInvalid extends DatabaseError {
  static override code = 'ERR_DB_MIGRATION_NAME_INVALID' as const
  override code = 'ERR_DB_MIGRATION_NAME_INVALID' as const
}

/**
 * An already applied migration file was edited: the database no longer matches the files, so
 * nothing more is applied. Write a new migration instead of changing an applied one.
 */
export class MigrationChecksumMismatch extends DatabaseError {
  static override code = 'ERR_DB_MIGRATION_CHECKSUM_MISMATCH' as const
  override code = 'ERR_DB_MIGRATION_CHECKSUM_MISMATCH' as const
  /** File name of the edited migration. */
  readonly migration: string

  constructor(migration: string, message: string) {
    super(message)
    this.migration = migration
  }
}

/** A migration's SQL failed; its transaction was rolled back. The PostgreSQL error is the `cause`. */
export class MigrationFailed extends DatabaseError {
  static override code = 'ERR_DB_MIGRATION_FAILED' as const
  override code = 'ERR_DB_MIGRATION_FAILED' as const
  /** File name of the failed migration. */
  readonly migration: string

  constructor(migration: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.migration = migration
  }
}
