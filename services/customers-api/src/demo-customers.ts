/**
 * Demo customers of SCENARIO.md (only with `SEED_DEMO_DATA=true`, never in production mode): the
 * profiles of katie and bob, keyed by the subjects the retail IdP seeds for them, with a little
 * loyalty history so the shop's loyalty page is not empty. Idempotent: a profile that exists is
 * kept, and history is added only to a customer without any.
 */
import { withCustomerScope } from '@mythical/db'
import type { Pool } from 'pg'

interface DemoCustomer {
  readonly sub: string
  readonly name: string
  readonly email: string
  readonly bonuses: readonly number[]
}

/** Same subjects, names and emails as the IdP's demo accounts. */
export const DEMO_CUSTOMERS: readonly DemoCustomer[] = [
  { sub: 'katie', name: 'Katie', email: 'katie@example.com', bonuses: [100, 25] },
  { sub: 'bob', name: 'Bob', email: 'bob@example.com', bonuses: [50] },
]

/**
 * Creates the demo profiles and their welcome history where missing.
 *
 * @returns subjects whose profile this run created
 */
export async function seedDemoCustomers(pool: Pool): Promise<string[]> {
  const created: string[] = []
  for (const c of DEMO_CUSTOMERS) {
    // Each customer writes their own rows: the seed goes through the same policies as the API.
    await withCustomerScope(pool, c.sub, async (db) => {
      const inserted = await db.query(
        `INSERT INTO customers (customer_id, display_name, email) VALUES ($1, $2, $3)
         ON CONFLICT (customer_id) DO NOTHING`,
        [c.sub, c.name, c.email],
      )
      if (inserted.rowCount === 1) created.push(c.sub)
      const history = await db.query('SELECT 1 FROM loyalty_ledger WHERE customer_id = $1', [c.sub])
      if (history.rowCount !== 0) return
      for (const points of c.bonuses) {
        await db.query(
          `INSERT INTO loyalty_ledger (customer_id, points, reason) VALUES ($1, $2, 'adjustment')`,
          [c.sub, points],
        )
      }
    })
  }
  return created
}
