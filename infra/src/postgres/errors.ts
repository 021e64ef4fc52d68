/**
 * Errors of the PostgreSQL set-up (start, provision, stop). Each carries a stable string `code`
 * (static and instance, as in jose's `JOSEError`) so the CLIs and tests match on the code.
 */

/** Base class: every error the PostgreSQL set-up throws on purpose. */
export class PostgresSetupError extends Error {
  static code = 'ERR_POSTGRES_SETUP'
  code = 'ERR_POSTGRES_SETUP'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
  }
}

/** No `/usr/lib/postgresql/<version>/bin` with `initdb`, `pg_ctl` and `postgres`. */
export class PostgresBinariesNotFound extends PostgresSetupError {
  static override code = 'ERR_POSTGRES_BINARIES_NOT_FOUND'
  override code = 'ERR_POSTGRES_BINARIES_NOT_FOUND'
}

/** `initdb` or `pg_ctl` exited with an error; the message carries the tail of its output. */
export class PostgresCommandFailed extends PostgresSetupError {
  static override code = 'ERR_POSTGRES_COMMAND_FAILED'
  override code = 'ERR_POSTGRES_COMMAND_FAILED'
}

/** The server certificate, its key or the CA certificate is missing under `.stack/`. */
export class PostgresPkiMissing extends PostgresSetupError {
  static override code = 'ERR_POSTGRES_PKI_MISSING'
  override code = 'ERR_POSTGRES_PKI_MISSING'
}

/** `DATABASE_ADMIN_URL` is not a usable `postgres://user:password@host:port/db` URL. */
export class PostgresAdminUrlInvalid extends PostgresSetupError {
  static override code = 'ERR_POSTGRES_ADMIN_URL_INVALID'
  override code = 'ERR_POSTGRES_ADMIN_URL_INVALID'
}

/**
 * A data directory exists but `admin.json` (the only copy of the superuser password) does not:
 * the cluster cannot be administered. Delete `.stack/postgres/` to start over.
 */
export class PostgresAdminCredentialsMissing extends PostgresSetupError {
  static override code = 'ERR_POSTGRES_ADMIN_CREDENTIALS_MISSING'
  override code = 'ERR_POSTGRES_ADMIN_CREDENTIALS_MISSING'
}

/** `admin.json` holds no usable superuser password. */
export class PostgresAdminCredentialsInvalid extends PostgresSetupError {
  static override code = 'ERR_POSTGRES_ADMIN_CREDENTIALS_INVALID'
  override code = 'ERR_POSTGRES_ADMIN_CREDENTIALS_INVALID'
}

/** Another process held the PostgreSQL set-up lock for too long. */
export class PostgresLockTimeout extends PostgresSetupError {
  static override code = 'ERR_POSTGRES_LOCK_TIMEOUT'
  override code = 'ERR_POSTGRES_LOCK_TIMEOUT'
}
