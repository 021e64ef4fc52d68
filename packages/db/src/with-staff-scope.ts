import type { Pool, PoolClient } from 'pg'
import { withSessionSettings } from './lib/with-session-settings.ts'

/** The setting the staff policies of the customers database check. */
export const STAFF_SETTING = 'app.staff_id'

/**
 * Runs `fn` in a transaction on behalf of a staff member (a sales associate looking customers up
 * or registering one): `app.staff_id` is set for that transaction only, which the customers
 * database's staff policies require before they show or accept rows of any customer. Other
 * databases have no staff policy, so the setting opens nothing there.
 *
 * Call it only after the staff token was checked (MFA, `sales-associate` role); pass its subject.
 *
 * @example
 * ```ts
 * const found = await withStaffScope(pool, token.sub, (db) =>
 *   db.query('SELECT customer_id, display_name FROM customers WHERE email = $1', [email]),
 * )
 * ```
 *
 * @throws `TypeError` for an empty `staffId`; whatever `fn` or PostgreSQL throws, after rollback.
 */
export async function withStaffScope<T>(
  pool: Pool,
  staffId: string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  if (typeof staffId !== 'string' || staffId.length === 0) {
    throw new TypeError('"staffId" must be a non-empty string')
  }
  return withSessionSettings(pool, { [STAFF_SETTING]: staffId }, fn)
}
