/**
 * TB12 for customers-api: its own login (customers_api, certificate over TLS) on the stack's real
 * PostgreSQL, through the same pool and scope helpers as its routes. A customer scope shows that
 * customer's rows only, even with the API's own filter removed; a staff scope reads any customer
 * but changes none; another service's database is closed to this role.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { stackPaths } from '@mythical/stack'
import {
  createDatabasePool,
  readDatabaseCredentials,
  withCustomerScope,
  withStaffScope,
} from '@mythical/db'
import pg from 'pg'
import { DEMO_CUSTOMERS, seedDemoCustomers } from '../../src/demo-customers.ts'
import { findProfile, loyaltyOf, lookUpCustomers } from '../../src/customer-store.ts'

const secretsDir = stackPaths().secrets('customers-api')
const run = randomUUID().slice(0, 8)
const katie = { sub: `katie-${run}`, name: `Katie ${run}`, email: `katie-${run}@example.com` }
const bob = { sub: `bob-${run}`, name: `Bob ${run}`, email: `bob-${run}@example.com` }

async function addCustomer(pool: pg.Pool, c: typeof katie, points: number) {
  await withCustomerScope(pool, c.sub, async (db) => {
    await db.query('INSERT INTO customers (customer_id, display_name, email) VALUES ($1, $2, $3)', [
      c.sub,
      c.name,
      c.email,
    ])
    await db.query(
      "INSERT INTO loyalty_ledger (customer_id, order_id, points, reason) VALUES ($1, $2, $3, 'order_placed')",
      [c.sub, randomUUID(), points],
    )
  })
}

describe('customers-api on PostgreSQL with row-level security (TB12)', () => {
  let pool: pg.Pool
  before(async () => {
    pool = createDatabasePool(secretsDir)
    await addCustomer(pool, katie, 40)
    await addCustomer(pool, bob, 7)
  })
  after(() => pool.end())

  it("still shows only the caller's rows with the API's WHERE filter removed", async () => {
    const seen = await withCustomerScope(pool, katie.sub, async (db) => ({
      customers: (await db.query<{ customer_id: string }>('SELECT customer_id FROM customers'))
        .rows,
      ledger: (await db.query<{ customer_id: string }>('SELECT customer_id FROM loyalty_ledger'))
        .rows,
    }))
    assert.deepEqual(seen.customers, [{ customer_id: katie.sub }])
    assert.deepEqual(seen.ledger, [{ customer_id: katie.sub }])
  })

  it("keeps bob's profile and points invisible to katie, even asked for by id", async () => {
    const seen = await withCustomerScope(pool, katie.sub, async (db) => ({
      profile: await findProfile(db, bob.sub),
      loyalty: await loyaltyOf(db, bob.sub),
    }))
    assert.deepEqual(seen, { profile: undefined, loyalty: { points: 0, history: [] } })
  })

  it("refuses writing points or a profile for bob from katie's scope (42501)", async () => {
    await assert.rejects(
      withCustomerScope(pool, katie.sub, (db) =>
        db.query(
          "INSERT INTO loyalty_ledger (customer_id, points, reason) VALUES ($1, 1000, 'adjustment')",
          [bob.sub],
        ),
      ),
      { code: '42501', message: /row-level security/ },
    )
    const renamed = await withCustomerScope(pool, katie.sub, (db) =>
      db.query("UPDATE customers SET display_name = 'Mallory' WHERE customer_id = $1", [bob.sub]),
    )
    assert.equal(renamed.rowCount, 0)
  })

  it('lets a staff scope look any customer up with their balance, but change none', async () => {
    const found = await withStaffScope(pool, 'sam', (db) => lookUpCustomers(db, run))
    assert.deepEqual(
      found.map((c) => [c.sub, c.loyaltyPoints]),
      [
        [bob.sub, 7],
        [katie.sub, 40],
      ],
    )
    const changed = await withStaffScope(pool, 'sam', (db) =>
      db.query("UPDATE customers SET email = 'x@example.com' WHERE customer_id = $1", [katie.sub]),
    )
    assert.equal(changed.rowCount, 0)
  })

  it('takes LIKE wildcards in a staff query literally', async () => {
    const found = await withStaffScope(pool, 'sam', (db) => lookUpCustomers(db, '%_%'))
    assert.deepEqual(found, [])
  })

  it('shows no customer at all outside a scope', async () => {
    assert.equal((await pool.query('SELECT 1 FROM customers')).rowCount, 0)
    assert.equal((await pool.query('SELECT 1 FROM loyalty_ledger')).rowCount, 0)
  })

  it('seeds the demo customers idempotently, through the same policies', async () => {
    await seedDemoCustomers(pool)
    assert.deepEqual(await seedDemoCustomers(pool), [], 'a second run creates nothing')
    for (const demo of DEMO_CUSTOMERS) {
      const seen = await withCustomerScope(pool, demo.sub, async (db) => ({
        profile: await findProfile(db, demo.sub),
        points: (await loyaltyOf(db, demo.sub)).points,
      }))
      assert.equal(seen.profile?.email, demo.email)
      assert.ok(seen.points >= demo.bonuses.reduce((a, b) => a + b, 0))
    }
  })

  it("refuses customers_api on another service's database (orders)", async () => {
    const options = pool.options as pg.PoolConfig
    const client = new pg.Client({
      ...readDatabaseCredentials(secretsDir),
      database: 'orders',
      ssl: options.ssl,
    })
    await assert.rejects(client.connect(), {
      code: '42501',
      message: /permission denied for database "orders"/,
    })
    await client.end().catch(() => undefined)
  })
})
