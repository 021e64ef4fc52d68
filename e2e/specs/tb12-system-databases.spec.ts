/**
 * TB12 — system APIs ↔ PostgreSQL, on the stack's running server (127.0.0.1:55432) with the
 * services' own logins (`.stack/secrets/<service>/database.json`, certificate over TLS). Every
 * decision here is PostgreSQL's: a role reaching for another service's database is refused by the
 * server with SQLSTATE 42501 (and the server's own log names the refusal), and row-level security
 * hides another customer's rows from a session scoped to Katie even when the query forgets its
 * `WHERE customer_id`. No service takes part, so there is no application audit record to assert —
 * the server's error (and its log line) is the record.
 */
import { createDatabasePool, withCustomerScope } from '@mythical/db'
import { stackPaths } from '@mythical/stack'
import type pg from 'pg'
import { EdgeClient, freshSourceAddress } from '../support/edge-client.ts'
import { expect, test } from '../support/fixtures.ts'
import {
  loginOf,
  refusedConnection,
  serverLogLinesSince,
  serverLogOffset,
} from '../support/database-login.ts'
import { postOrder } from '../support/orders.ts'
import { signInShopper } from '../support/shopper.ts'

test.describe('TB12 system APIs ↔ PostgreSQL', () => {
  let orders: pg.Pool
  let bobsOrder: string

  test.beforeAll(async () => {
    test.setTimeout(60_000)
    orders = createDatabasePool(stackPaths().secrets('orders-api'))
    // One order of Bob's, placed the real way, for Katie's session not to see.
    const bob = await signInShopper('bob')
    const edge = new EdgeClient(freshSourceAddress())
    try {
      const placed = await postOrder(edge, bob, { sku: 'sku-helmet' })
      if (placed.status !== 201) throw new Error(`Bob's order: ${placed.status} ${placed.text}`)
      bobsOrder = placed.json<{ id: string }>().id
    } finally {
      edge.close()
    }
  })
  test.afterAll(() => orders?.end())

  test('orders-api logs in as its own role, over TLS 1.3', async () => {
    const { rows } = await orders.query<{ role: string; ssl: boolean; version: string }>(
      `SELECT current_user AS role, s.ssl, s.version
         FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid()`,
    )
    expect(rows).toEqual([{ role: 'orders_api', ssl: true, version: 'TLSv1.3' }])
  })

  for (const [service, database] of [
    ['orders-api', 'customers'],
    ['orders-api', 'vault'],
    ['customers-api', 'orders'],
  ] as const) {
    test(`${service}'s role on the ${database} database: refused by the server (42501)`, async () => {
      const offset = serverLogOffset()
      const error = await refusedConnection(loginOf(service, database))
      expect(error.code).toBe('42501')
      expect(error.message).toBe(`permission denied for database "${database}"`)
      const role = service.replaceAll('-', '_')
      expect(
        await serverLogLinesSince(offset, `${role}@${database} FATAL:`),
        'PostgreSQL logged the refusal',
      ).toHaveLength(1)
    })
  }

  test('Katie’s session cannot see Bob’s order, even without a WHERE on the customer', async () => {
    const asBob = await withCustomerScope(orders, 'bob', (db) =>
      db.query('SELECT id FROM orders WHERE id = $1', [bobsOrder]),
    )
    expect(asBob.rowCount, 'Bob’s own session sees it (control)').toBe(1)

    const asKatie = await withCustomerScope(orders, 'katie', async (db) => ({
      byId: (await db.query('SELECT id FROM orders WHERE id = $1', [bobsOrder])).rowCount,
      owners: (await db.query<{ customer_id: string }>('SELECT DISTINCT customer_id FROM orders'))
        .rows,
      lines: (
        await db.query<{ customer_id: string }>(
          'SELECT DISTINCT customer_id FROM order_lines WHERE order_id = $1',
          [bobsOrder],
        )
      ).rowCount,
    }))
    expect(asKatie.byId).toBe(0)
    expect(asKatie.lines).toBe(0)
    expect(asKatie.owners.every((row) => row.customer_id === 'katie')).toBe(true)
  })

  test('outside any customer scope no order is visible at all', async () => {
    const { rowCount } = await orders.query('SELECT 1 FROM orders')
    expect(rowCount).toBe(0)
  })
})
