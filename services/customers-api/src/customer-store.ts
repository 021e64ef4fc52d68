/**
 * The customers and loyalty system of record. Customer queries run inside a customer-scoped
 * transaction (withCustomerScope) and name the customer themselves as well; staff queries run in
 * a staff scope (withStaffScope), which the database lets read any customer and register new
 * ones, never change them.
 */
import type { PoolClient } from 'pg'

/** A customer's profile as the contract shows it. */
export interface CustomerProfile {
  readonly sub: string
  readonly name: string
  readonly email: string
}

/** One ledger entry (`GET /customers/me/loyalty`). */
export interface LoyaltyEntry {
  readonly orderId: string | null
  readonly points: number
  readonly at: string
}

/** A customer as a sales associate finds them. */
export interface CustomerMatch extends CustomerProfile {
  readonly loyaltyPoints: number
}

/** Most customers one lookup returns. */
export const LOOKUP_LIMIT = 20

/** The customer's own profile, or `undefined` when none was recorded yet. */
export async function findProfile(
  db: PoolClient,
  customerId: string,
): Promise<CustomerProfile | undefined> {
  const { rows } = await db.query<CustomerProfile>(
    `SELECT customer_id AS sub, display_name AS name, email FROM customers
     WHERE customer_id = $1`,
    [customerId],
  )
  return rows[0]
}

/** The customer's ledger, newest first, and its balance. */
export async function loyaltyOf(
  db: PoolClient,
  customerId: string,
): Promise<{ points: number; history: LoyaltyEntry[] }> {
  const { rows } = await db.query<{ order_id: string | null; points: number; created_at: Date }>(
    `SELECT order_id, points, created_at FROM loyalty_ledger
     WHERE customer_id = $1 ORDER BY created_at DESC, id DESC`,
    [customerId],
  )
  return {
    points: rows.reduce((sum, r) => sum + r.points, 0),
    history: rows.map((r) => ({
      orderId: r.order_id,
      points: r.points,
      at: r.created_at.toISOString(),
    })),
  }
}

/** `%`, `_` and `\` are taken literally in a LIKE pattern. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

/** Customers whose name or email contains `query` (case-insensitive), with their balance. */
export async function lookUpCustomers(db: PoolClient, query: string): Promise<CustomerMatch[]> {
  const { rows } = await db.query<CustomerMatch>(
    `SELECT c.customer_id AS sub, c.display_name AS name, c.email,
            coalesce((SELECT sum(l.points) FROM loyalty_ledger l
                      WHERE l.customer_id = c.customer_id), 0)::integer AS "loyaltyPoints"
     FROM customers c
     WHERE c.display_name ILIKE $1 OR c.email ILIKE $1
     ORDER BY c.display_name, c.customer_id
     LIMIT ${LOOKUP_LIMIT}`,
    [`%${likeLiteral(query)}%`],
  )
  return rows
}

/** Whether a customer with this email is recorded (staff scope). */
export async function emailTaken(db: PoolClient, email: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM customers WHERE lower(email) = lower($1)', [
    email,
  ])
  return (rowCount ?? 0) > 0
}

/** Records a customer a staff member registered (staff scope: `registered_by` must be them). */
export async function insertRegisteredCustomer(
  db: PoolClient,
  customer: CustomerProfile,
  staffId: string,
): Promise<void> {
  await db.query(
    `INSERT INTO customers (customer_id, display_name, email, registered_by)
     VALUES ($1, $2, $3, $4)`,
    [customer.sub, customer.name, customer.email, staffId],
  )
}
