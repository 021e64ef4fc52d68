import type { Pool, PoolClient } from 'pg'
import { withSessionSettings } from './lib/with-session-settings.ts'

/** The setting row-level security policies compare customer-owned rows against. */
export const CUSTOMER_SETTING = 'app.customer_id'

/**
 * Runs `fn` in a transaction scoped to one customer: `app.customer_id` is set for that
 * transaction only, and the row-level security policies of customer-owned tables
 * (`customer_id = current_setting('app.customer_id', true)`) then show and accept that customer's
 * rows only. Outside a scope those tables look empty. COMMIT on success, ROLLBACK on any error.
 *
 * Pass the customer id the caller was authenticated and authorized for (the token's subject),
 * never one taken from the request body or path: RLS is the last line of defence, not the first.
 *
 * @example
 * ```ts
 * const orders = await withCustomerScope(pool, token.sub, async (db) => {
 *   const { rows } = await db.query('SELECT id, status FROM orders ORDER BY placed_at DESC')
 *   return rows
 * })
 * ```
 *
 * @throws `TypeError` for an empty `customerId`; whatever `fn` or PostgreSQL throws, after rollback.
 */
export async function withCustomerScope<T>(
  pool: Pool,
  customerId: string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  if (typeof customerId !== 'string' || customerId.length === 0) {
    throw new TypeError('"customerId" must be a non-empty string')
  }
  return withSessionSettings(pool, { [CUSTOMER_SETTING]: customerId }, fn)
}
