import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { InvalidDatabaseCredentials } from './errors.ts'

/** File names inside a service's secrets folder (same names as `SECRET_FILES` in infra). */
export const DATABASE_FILE = 'database.json'
export const CA_FILE = 'ca.pem'
export const CERT_FILE = 'tls.crt'
export const KEY_FILE = 'tls.key'

/**
 * Contents of `<secrets>/database.json`: where the service's own PostgreSQL login is and which
 * role it is. There is no password: the server authenticates the workload certificate
 * (`tls.crt`, `tls.key`) and maps its subject DN to this role, so the file holds no secret.
 */
export interface DatabaseCredentials {
  host: string
  port: number
  database: string
  user: string
}

const TEXT_FIELDS = ['host', 'database', 'user'] as const

/**
 * Checks that `value` has the {@link DatabaseCredentials} shape. Extra fields are dropped so a
 * credentials object never carries more than it documents: a `password` left in a file written
 * before certificate logins is ignored, never sent to the server.
 *
 * @param value Parsed JSON.
 * @param source Where it came from, for the error message (never the value itself).
 * @throws `InvalidDatabaseCredentials` naming the first bad field.
 */
export function parseDatabaseCredentials(value: unknown, source: string): DatabaseCredentials {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidDatabaseCredentials(`${source} must hold a JSON object`)
  }
  const record = value as Record<string, unknown>
  for (const field of TEXT_FIELDS) {
    const text = record[field]
    if (typeof text !== 'string' || text.length === 0) {
      throw new InvalidDatabaseCredentials(`${source}: "${field}" must be a non-empty string`)
    }
  }
  const port = record['port']
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidDatabaseCredentials(`${source}: "port" must be an integer from 1 to 65535`)
  }
  const { host, database, user } = record as Record<(typeof TEXT_FIELDS)[number], string>
  return { host, port, database, user }
}

/**
 * Reads and validates `<secretsDir>/database.json`.
 *
 * @example
 * ```ts
 * const { database, user } = readDatabaseCredentials(config.secretsDir)
 * ```
 *
 * @throws `InvalidDatabaseCredentials` when the file is missing, not JSON or not the right shape.
 */
export function readDatabaseCredentials(secretsDir: string): DatabaseCredentials {
  const file = join(secretsDir, DATABASE_FILE)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (cause) {
    throw new InvalidDatabaseCredentials(`cannot read ${file}`, { cause })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    // The parser's message quotes the file's content, which an older file's password is part of.
    throw new InvalidDatabaseCredentials(`${file} is not valid JSON`)
  }
  return parseDatabaseCredentials(value, file)
}
