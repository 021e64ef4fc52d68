import { randomBytes } from 'node:crypto'
import { access } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { parseDatabaseCredentials, type DatabaseCredentials } from '@mythical/db'
import { INFRASTRUCTURE } from '@mythical/stack'
import {
  ensureDir,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  readIfExists,
  writeFileAtomic,
} from '../pki/files.ts'
import { PostgresAdminCredentialsInvalid, PostgresAdminCredentialsMissing } from './errors.ts'
import type { PostgresLayout } from './layout.ts'

/** Superuser of the stack's own cluster (the name the official container image uses too). */
export const ADMIN_USER = 'postgres'

/**
 * The superuser login. Unlike a service's `database.json` it carries a password: the admin line
 * of `pg_hba.conf` wants SCRAM **and** a trusted client certificate (see `server-files.ts`).
 */
export interface AdminCredentials extends DatabaseCredentials {
  password: string
}

/** A fresh 256-bit password, URL-safe so it needs no quoting anywhere. */
export const generatePassword = (): string => randomBytes(32).toString('base64url')

/**
 * Checks that `value` is a login with a non-empty password.
 *
 * @throws `InvalidDatabaseCredentials` (from `@mythical/db`) for a bad login shape;
 *   `PostgresAdminCredentialsInvalid` without a password (never echoing the file).
 */
export function parseAdminCredentials(value: unknown, source: string): AdminCredentials {
  const login = parseDatabaseCredentials(value, source)
  const password = (value as Record<string, unknown>)['password']
  if (typeof password !== 'string' || password.length === 0) {
    throw new PostgresAdminCredentialsInvalid(`${source}: "password" must be a non-empty string`)
  }
  return { ...login, password }
}

/** The superuser login of the local cluster, from `admin.json`, or `undefined` before the first start. */
export async function readAdminCredentials(
  layout: PostgresLayout,
): Promise<AdminCredentials | undefined> {
  const text = await readIfExists(layout.adminCredentials)
  return text === undefined
    ? undefined
    : parseAdminCredentials(JSON.parse(text), layout.adminCredentials)
}

/**
 * Returns the superuser login of the local cluster, generating it (once, before `initdb`) when the
 * cluster does not exist yet. Stored in `.stack/secrets/postgres/admin.json`, mode 0600.
 *
 * @throws `PostgresAdminCredentialsMissing` when a cluster exists but its password file is gone.
 */
export async function loadOrCreateAdminCredentials(
  layout: PostgresLayout,
): Promise<AdminCredentials> {
  const existing = await readAdminCredentials(layout)
  if (existing) return existing
  const initialized = await access(join(layout.data, 'PG_VERSION')).then(
    () => true,
    () => false,
  )
  if (initialized) {
    throw new PostgresAdminCredentialsMissing(
      `${layout.adminCredentials} is missing but ${layout.data} exists: delete ${layout.root} to re-create the cluster`,
    )
  }
  const credentials: AdminCredentials = {
    host: '127.0.0.1',
    port: INFRASTRUCTURE.postgres.port,
    database: 'postgres',
    user: ADMIN_USER,
    password: generatePassword(),
  }
  await ensureDir(dirname(layout.adminCredentials), PRIVATE_DIR_MODE)
  await writeFileAtomic(
    layout.adminCredentials,
    `${JSON.stringify(credentials, null, 2)}\n`,
    PRIVATE_FILE_MODE,
  )
  return credentials
}
