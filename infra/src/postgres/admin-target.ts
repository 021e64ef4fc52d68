import { INFRASTRUCTURE } from '@mythical/stack'
import { readAdminCredentials, type AdminCredentials } from './admin-credentials.ts'
import { PostgresAdminCredentialsMissing, PostgresAdminUrlInvalid } from './errors.ts'
import type { PostgresLayout } from './layout.ts'

/**
 * `DATABASE_ADMIN_URL` (`postgres://user:password@host:port/database`), set when the stack uses a
 * server it does not run itself (the `postgres` container in compose). Then `start`/`stop` leave
 * the server alone and `provision` administers it through this URL.
 */
export function externalAdminUrl(): string | undefined {
  const url = process.env.DATABASE_ADMIN_URL
  return url === undefined || url === '' ? undefined : url
}

/**
 * Parses an admin URL. TLS is not negotiable: any `sslmode` other than `verify-full` is refused
 * rather than silently upgraded, so a URL never suggests a weaker connection than the one made.
 *
 * @throws `PostgresAdminUrlInvalid` naming what is wrong (never echoing the password).
 */
export function parseAdminUrl(text: string): AdminCredentials {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new PostgresAdminUrlInvalid('DATABASE_ADMIN_URL is not a URL')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new PostgresAdminUrlInvalid('DATABASE_ADMIN_URL must use the postgres:// scheme')
  }
  const sslmode = url.searchParams.get('sslmode')
  if (sslmode !== null && sslmode !== 'verify-full') {
    throw new PostgresAdminUrlInvalid(
      `DATABASE_ADMIN_URL sslmode=${sslmode} is not allowed: connections always use verify-full`,
    )
  }
  const user = decodeURIComponent(url.username)
  const password = decodeURIComponent(url.password)
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (user === '' || password === '' || host === '') {
    throw new PostgresAdminUrlInvalid('DATABASE_ADMIN_URL must name a user, a password and a host')
  }
  const database = decodeURIComponent(url.pathname.slice(1)) || 'postgres'
  return { host, port: url.port === '' ? 5432 : Number(url.port), database, user, password }
}

/** Superuser login for provisioning: the external server's, or the local cluster's `admin.json`. */
export async function resolveAdmin(layout: PostgresLayout): Promise<AdminCredentials> {
  const url = externalAdminUrl()
  if (url !== undefined) return parseAdminUrl(url)
  const local = await readAdminCredentials(layout)
  if (!local) {
    throw new PostgresAdminCredentialsMissing(
      `${layout.adminCredentials} does not exist: start the server before provisioning it`,
    )
  }
  // The port is the manifest's, even if admin.json was written by an older layout.
  return { ...local, port: INFRASTRUCTURE.postgres.port }
}
