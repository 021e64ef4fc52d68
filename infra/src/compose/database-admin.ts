/**
 * The superuser of the compose `postgres` container and the `DATABASE_ADMIN_URL` the
 * `db-provision` job hands the project's provisioning (infra/src/postgres/admin-target.ts).
 */
import { INFRASTRUCTURE } from '@mythical/stack'

/** `POSTGRES_USER` of the official image: the superuser its entrypoint creates. */
export const POSTGRES_ADMIN_USER = 'mythical_admin'

/**
 * Always `sslmode=verify-full`: the job checks the server certificate's `postgres` DNS SAN
 * against the retail CA, like every service does.
 *
 * @example databaseAdminUrl('s3cret') // 'postgres://mythical_admin:s3cret@postgres:55432/postgres?sslmode=verify-full'
 */
export function databaseAdminUrl(password: string): string {
  const user = encodeURIComponent(POSTGRES_ADMIN_USER)
  const port = INFRASTRUCTURE.postgres.port
  return `postgres://${user}:${encodeURIComponent(password)}@postgres:${port}/postgres?sslmode=verify-full`
}
