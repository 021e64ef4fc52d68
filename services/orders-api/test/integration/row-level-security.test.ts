/**
 * TB12 for orders-api: its own login (orders_api, certificate over TLS 1.3) on the stack's real
 * PostgreSQL, the same pool and scoped transaction helper the routes use. Row-level security keeps
 * every other customer's orders out even when the API's own `WHERE customer_id = …` is removed,
 * and another service's database is closed to this role.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createDatabasePool, readDatabaseCredentials, withCustomerScope } from '@mythical/db'
import { stackPaths } from '@mythical/stack'
import pg from 'pg'
import { findOrder, insertOrder, listOrders, type NewOrder } from '../../src/order-store.ts'

const secretsDir = stackPaths().secrets('orders-api')
// Subjects of this run only: the shared database keeps other suites' rows.
const katie = `katie-${randomUUID()}`
const bob = `bob-${randomUUID()}`

const anOrder = (): NewOrder => ({
  id: randomUUID(),
  items: [{ sku: 'sku-trail-shoe', quantity: 2, priceCents: 12900 }],
  totalCents: 25800,
  currency: 'EUR',
  card: { brand: 'visa', last4: '1111' },
  traceId: randomUUID().replaceAll('-', ''),
})

describe('orders-api on PostgreSQL with row-level security (TB12)', () => {
  let pool: pg.Pool
  const katiesOrders = [anOrder(), anOrder()]
  const bobsOrder = anOrder()

  before(async () => {
    pool = createDatabasePool(secretsDir)
    for (const order of katiesOrders) {
      await withCustomerScope(pool, katie, (db) => insertOrder(db, katie, order))
    }
    await withCustomerScope(pool, bob, (db) => insertOrder(db, bob, bobsOrder))
  })
  after(() => pool.end())

  it('connects as its own role over TLS 1.3', async () => {
    const { rows } = await pool.query<{ role: string; ssl: boolean; version: string }>(
      `SELECT current_user AS role, s.ssl, s.version
       FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()`,
    )
    assert.deepEqual(rows[0], { role: 'orders_api', ssl: true, version: 'TLSv1.3' })
  })

  it("lists the caller's orders through the API's own query", async () => {
    const listed = await withCustomerScope(pool, katie, (db) => listOrders(db, katie))
    assert.deepEqual(listed.map((o) => o.id).sort(), katiesOrders.map((o) => o.id).sort())
  })

  it("still shows only the caller's rows with the API's WHERE filter removed", async () => {
    // The bug RLS exists for: a query that forgot `WHERE customer_id = …`.
    const seen = await withCustomerScope(pool, katie, async (db) => {
      const orders = await db.query<{ id: string; customer_id: string }>(
        'SELECT id, customer_id FROM orders',
      )
      const lines = await db.query<{ customer_id: string }>('SELECT customer_id FROM order_lines')
      return { orders: orders.rows, lines: lines.rows }
    })
    assert.deepEqual(seen.orders.map((o) => o.id).sort(), katiesOrders.map((o) => o.id).sort())
    assert.ok(seen.lines.length >= 2 && seen.lines.every((l) => l.customer_id === katie))
  })

  it("keeps bob's order invisible to katie, even by primary key and without a filter", async () => {
    const found = await withCustomerScope(pool, katie, async (db) => ({
      viaApi: await findOrder(db, katie, bobsOrder.id),
      // The API's lookup with the customer taken from somewhere it must never come from.
      forgedCustomer: await findOrder(db, bob, bobsOrder.id),
      raw: (await db.query('SELECT id FROM orders WHERE id = $1', [bobsOrder.id])).rowCount,
    }))
    assert.deepEqual(found, { viaApi: undefined, forgedCustomer: undefined, raw: 0 })
    const own = await withCustomerScope(pool, bob, (db) => findOrder(db, bob, bobsOrder.id))
    assert.equal(own?.card.last4, '1111')
  })

  it("refuses writing an order for bob from katie's scope (42501)", async () => {
    await assert.rejects(
      withCustomerScope(pool, katie, (db) => insertOrder(db, bob, anOrder())),
      { code: '42501', message: /row-level security/ },
    )
  })

  it('cannot change or delete an order of another customer, nor its own customer id', async () => {
    await withCustomerScope(pool, katie, async (db) => {
      const updated = await db.query("UPDATE orders SET status = 'cancelled' WHERE id = $1", [
        bobsOrder.id,
      ])
      assert.equal(updated.rowCount, 0)
    })
    await assert.rejects(
      withCustomerScope(pool, katie, (db) =>
        db.query('DELETE FROM orders WHERE id = $1', [bobsOrder.id]),
      ),
      { code: '42501', message: /permission denied for table orders/ },
    )
    await assert.rejects(
      withCustomerScope(pool, katie, (db) =>
        db.query('UPDATE orders SET customer_id = $1 WHERE id = $2', [bob, katiesOrders[0]?.id]),
      ),
      { code: '42501', message: /permission denied for table orders/ },
    )
  })

  it('shows no order at all outside a customer scope', async () => {
    const { rowCount } = await pool.query('SELECT 1 FROM orders')
    assert.equal(rowCount, 0)
  })

  it('refuses a card number where only four digits belong (23514)', async () => {
    const order = { ...anOrder(), card: { brand: 'visa', last4: '4111111111111111' } }
    await assert.rejects(
      withCustomerScope(pool, katie, (db) => insertOrder(db, katie, order)),
      { code: '23514' },
    )
  })

  it("refuses orders_api on another service's database (customers)", async () => {
    const own = readDatabaseCredentials(secretsDir)
    const options = pool.options as pg.PoolConfig
    const client = new pg.Client({ ...own, database: 'customers', ssl: options.ssl })
    await assert.rejects(client.connect(), {
      code: '42501',
      message: /permission denied for database "customers"/,
    })
    await client.end().catch(() => undefined)
  })
})
