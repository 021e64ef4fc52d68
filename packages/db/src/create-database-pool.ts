import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Pool } from 'pg'
import { CA_FILE, CERT_FILE, KEY_FILE, readDatabaseCredentials } from './credentials.ts'
import { InvalidDatabaseCredentials } from './errors.ts'

/** Default pool size: enough for a system API on a laptop, small enough for 7 services on one server. */
export const DEFAULT_POOL_MAX = 5
/** How long acquiring a connection may take before the query fails (ms). */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5000

/** Options of {@link createDatabasePool}. */
export interface DatabasePoolOptions {
  /** Maximum number of connections. Default is {@link DEFAULT_POOL_MAX}. */
  max?: number
  /**
   * File of the CA certificate to verify the server against, instead of the secrets folder's
   * `ca.pem` (the service's own trust-domain CA). A service of another trust domain than the
   * database server's needs it: shipping-api (`shipping`) passes `<PKI_DIR>/retail/ca.pem`, as
   * it does for the broker. This replaces the trust anchor; verification stays on.
   */
  serverCaFile?: string
  /**
   * Database to open instead of `database.json` `database`, e.g. the integration tests' own copy
   * of the service's database. The role and its grants there decide what it may do.
   */
  database?: string
}

/**
 * Creates a `pg` pool for the service whose secrets folder is `secretsDir`: its own login role
 * from `database.json`, over mutual TLS only. The client presents its workload certificate
 * (`tls.crt`, `tls.key`) and verifies the server certificate against the service's trust-domain
 * CA (`ca.pem`) **and** the host name or IP in `database.json` (libpq's `sslmode=verify-full`).
 * There is no option to weaken either check.
 *
 * Listen for the pool's `error` event: an idle connection dropped by the server is reported there.
 *
 * @example
 * ```ts
 * const pool = createDatabasePool(config.secretsDir)
 * // a service outside the retail trust domain pins the database server's CA explicitly:
 * // createDatabasePool(config.secretsDir, { serverCaFile: join(config.pkiDir, 'retail', 'ca.pem') })
 * pool.on('error', (err) => log.warn({ err }, 'idle database connection lost'))
 * await checkDatabase(pool)
 * ```
 *
 * @throws `InvalidDatabaseCredentials` when `database.json`, `ca.pem`, `tls.crt` or `tls.key` is
 *   missing or `database.json` is malformed;
 *   `TypeError` for a bad `max`.
 */
export function createDatabasePool(secretsDir: string, opts: DatabasePoolOptions = {}): Pool {
  const { max = DEFAULT_POOL_MAX } = opts
  if (!Number.isInteger(max) || max < 1) {
    throw new TypeError('"max" option must be a positive integer')
  }
  if (
    opts.serverCaFile !== undefined &&
    (typeof opts.serverCaFile !== 'string' || opts.serverCaFile === '')
  ) {
    throw new TypeError('"serverCaFile" option must be a non-empty path')
  }
  if (opts.database !== undefined && (typeof opts.database !== 'string' || opts.database === '')) {
    throw new TypeError('"database" option must be a non-empty string')
  }
  const stored = readDatabaseCredentials(secretsDir)
  const credentials = { ...stored, database: opts.database ?? stored.database }
  const [ca, cert, key] = [
    opts.serverCaFile ?? join(secretsDir, CA_FILE),
    join(secretsDir, CERT_FILE),
    join(secretsDir, KEY_FILE),
  ].map(readPem)
  return new Pool({
    ...credentials,
    // Node checks the certificate against `host` (pg sets SNI for names and leaves IPs to the
    // IP SAN check), so this is verify-full: right CA and right server.
    ssl: { ca, cert, key, rejectUnauthorized: true },
    max,
    connectionTimeoutMillis: DEFAULT_CONNECTION_TIMEOUT_MS,
    // Shows up in pg_stat_activity and the server log next to the role name.
    application_name: credentials.user,
  })
}

function readPem(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (cause) {
    throw new InvalidDatabaseCredentials(`cannot read ${file}`, { cause })
  }
}
