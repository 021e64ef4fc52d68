/**
 * TB12, row-level security: even with a bug in a system API, one customer's rows never reach
 * another. Scoped by `withCustomerScope` (`app.customer_id` for one transaction); no scope, no rows.
 * Also: card numbers are refused where only tokens belong.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type pg from 'pg'
import { createDatabasePool, withCustomerScope, withStaffScope } from '@mythical/db'
import { asAdmin, paths, secretsOf, usePostgres } from './helpers.ts'

// Unique per run so repeated runs and the demo data never mix; removed again in `after`.
const run = randomUUID().slice(0, 8)
const katie = `test-katie-${run}`
const bob = `test-bob-${run}`
const sam = `test-sam-${run}`

/** A Luhn-valid test PAN (the scenario's test card) and a Luhn-invalid token of the same shape. */
const PAN = '4111 1111 1111 1111'
const TOKEN = '4111110000001112'

/** Inserts an order and returns its id. */
const placeOrder = async (db: pg.PoolClient, customerId: string): Promise<string> => {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO orders (customer_id, total_cents) VALUES ($1, 1999) RETURNING id',
    [customerId],
  )
  return rows[0]?.id ?? assert.fail('INSERT … RETURNING gave no row')
}

describe('PostgreSQL row-level security (TB12)', () => {
  let teardown: () => Promise<void>
  const pools: Record<string, pg.Pool> = {}
  // shipping-api belongs to the partner's trust domain: it pins the retail CA of the server.
  const pool = (service: string) =>
    (pools[service] ??= createDatabasePool(
      secretsOf(service),
      service === 'shipping-api' ? { serverCaFile: paths.caCert('retail') } : {},
    ))

  before(async () => {
    ;({ teardown } = await usePostgres())
  })
  after(async () => {
    await Promise.all(Object.values(pools).map((p) => p.end()))
    const ids = [katie, bob]
    await asAdmin('orders', (a) => a.query('DELETE FROM orders WHERE customer_id = ANY($1)', [ids]))
    await asAdmin('payments', (a) =>
      a.query('DELETE FROM payments WHERE customer_id = ANY($1)', [ids]),
    )
    await asAdmin('customers', (a) =>
      a.query('DELETE FROM customers WHERE customer_id = ANY($1)', [ids]),
    )
    await asAdmin('shipping', (a) =>
      a.query('DELETE FROM parcels WHERE customer_ref = ANY($1)', [ids]),
    )
    await asAdmin('fulfillment', async (a) => {
      await a.query(
        `DELETE FROM outbox WHERE aggregate_id IN
           (SELECT order_id FROM placed_orders WHERE customer_id = ANY($1))`,
        [ids],
      )
      await a.query('DELETE FROM placed_orders WHERE customer_id = ANY($1)', [ids])
    })
    await teardown()
  })

  describe('orders', () => {
    let katieOrder: string
    let bobOrder: string
    before(async () => {
      const orders = pool('orders-api')
      katieOrder = await withCustomerScope(orders, katie, (db) => placeOrder(db, katie))
      bobOrder = await withCustomerScope(orders, bob, (db) => placeOrder(db, bob))
    })

    it("shows katie's scope only katie's rows", async () => {
      const rows = await withCustomerScope(pool('orders-api'), katie, async (db) => {
        return (
          await db.query<{ id: string; customer_id: string }>('SELECT id, customer_id FROM orders')
        ).rows
      })
      assert.deepEqual(rows, [{ id: katieOrder, customer_id: katie }])
    })

    it("keeps bob's order invisible to katie, even by primary key", async () => {
      const { rowCount } = await withCustomerScope(pool('orders-api'), katie, (db) =>
        db.query('SELECT 1 FROM orders WHERE id = $1', [bobOrder]),
      )
      assert.equal(rowCount, 0)
    })

    it("cannot change bob's order from katie's scope", async () => {
      const { rowCount } = await withCustomerScope(pool('orders-api'), katie, (db) =>
        db.query(`UPDATE orders SET status = 'cancelled' WHERE id = $1`, [bobOrder]),
      )
      assert.equal(rowCount, 0)
    })

    it('shows no rows at all without a customer scope', async () => {
      const { rows } = await pool('orders-api').query('SELECT count(*)::int AS n FROM orders')
      assert.deepEqual(rows, [{ n: 0 }])
    })

    it('shows no rows on a pooled connection after a scope ended', async () => {
      const orders = createDatabasePool(secretsOf('orders-api'), { max: 1 })
      try {
        await withCustomerScope(orders, katie, (db) => db.query('SELECT 1'))
        // Same single connection: app.customer_id is '' now, which matches no customer.
        const { rows } = await orders.query('SELECT count(*)::int AS n FROM orders')
        assert.deepEqual(rows, [{ n: 0 }])
      } finally {
        await orders.end()
      }
    })

    it("refuses inserting bob's order from katie's scope (policy WITH CHECK)", async () => {
      await assert.rejects(
        withCustomerScope(pool('orders-api'), katie, (db) => placeOrder(db, bob)),
        { code: '42501', message: 'new row violates row-level security policy for table "orders"' },
      )
    })

    it('refuses inserting any order without a scope', async () => {
      await assert.rejects(
        pool('orders-api').query('INSERT INTO orders (customer_id, total_cents) VALUES ($1, 1)', [
          katie,
        ]),
        { code: '42501', message: 'new row violates row-level security policy for table "orders"' },
      )
    })

    it("refuses attaching a line to bob's order, even claiming bob as the line's customer", async () => {
      await assert.rejects(
        withCustomerScope(pool('orders-api'), katie, (db) =>
          db.query(
            `INSERT INTO order_lines (order_id, line_no, customer_id, sku, quantity, unit_price_cents)
             VALUES ($1, 1, $2, 'sku-1', 1, 100)`,
            [bobOrder, bob],
          ),
        ),
        {
          code: '42501',
          message: 'new row violates row-level security policy for table "order_lines"',
        },
      )
    })

    it('rolls the whole transaction back when the callback throws', async () => {
      const before = await countOf(katie)
      await assert.rejects(
        withCustomerScope(pool('orders-api'), katie, async (db) => {
          await placeOrder(db, katie)
          throw new Error('boom')
        }),
        { message: 'boom' },
      )
      assert.equal(await countOf(katie), before)
    })

    const countOf = async (customer: string) =>
      withCustomerScope(pool('orders-api'), customer, async (db) => {
        return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0]?.n
      })
  })

  describe('customers (staff scope)', () => {
    before(async () => {
      await withCustomerScope(pool('customers-api'), katie, (db) =>
        db.query('INSERT INTO customers (customer_id, display_name, email) VALUES ($1, $2, $3)', [
          katie,
          'Katie',
          `${katie}@example.test`,
        ]),
      )
    })

    it("hides katie's profile from bob's scope", async () => {
      const { rowCount } = await withCustomerScope(pool('customers-api'), bob, (db) =>
        db.query('SELECT 1 FROM customers WHERE customer_id = $1', [katie]),
      )
      assert.equal(rowCount, 0)
    })

    it('lets a sales associate look katie up and register bob, recorded as registered by him', async () => {
      const found = await withStaffScope(pool('customers-api'), sam, (db) =>
        db.query('SELECT display_name FROM customers WHERE customer_id = $1', [katie]),
      )
      assert.deepEqual(found.rows, [{ display_name: 'Katie' }])
      await withStaffScope(pool('customers-api'), sam, (db) =>
        db.query(
          `INSERT INTO customers (customer_id, display_name, email, registered_by)
           VALUES ($1, 'Bob', $2, $3)`,
          [bob, `${bob}@example.test`, sam],
        ),
      )
    })

    it('refuses a staff registration that names another staff member', async () => {
      await assert.rejects(
        withStaffScope(pool('customers-api'), sam, (db) =>
          db.query(
            `INSERT INTO customers (customer_id, display_name, email, registered_by)
             VALUES ($1, 'Mallory', $2, 'someone-else')`,
            [`test-mallory-${run}`, `mallory-${run}@example.test`],
          ),
        ),
        {
          code: '42501',
          message: 'new row violates row-level security policy for table "customers"',
        },
      )
    })

    it('refuses staff updates (lookup and registration only)', async () => {
      const { rowCount } = await withStaffScope(pool('customers-api'), sam, (db) =>
        db.query(`UPDATE customers SET display_name = 'Hacked' WHERE customer_id = $1`, [katie]),
      )
      assert.equal(rowCount, 0)
    })
  })

  describe('shipping (partner pairwise subject)', () => {
    it('shows a parcel to its pairwise subject only', async () => {
      const orderId = randomUUID()
      await withCustomerScope(pool('shipping-api'), katie, (db) =>
        db.query(
          'INSERT INTO parcels (order_id, customer_ref, tracking_number) VALUES ($1, $2, $3)',
          [orderId, katie, `TRK-${run}`],
        ),
      )
      const seen = async (subject: string) =>
        (
          await withCustomerScope(pool('shipping-api'), subject, (db) =>
            db.query('SELECT 1 FROM parcels WHERE order_id = $1', [orderId]),
          )
        ).rowCount
      assert.equal(await seen(katie), 1)
      assert.equal(await seen(bob), 0)
    })
  })

  describe('card data (tokens only, never a PAN)', () => {
    const settle = (cardToken: string) =>
      withCustomerScope(pool('payments-api'), katie, (db) =>
        db.query(
          `INSERT INTO payments (order_id, customer_id, card_token, amount_cents, status,
                                 card_brand, card_last4, trace_id, settled_at)
           VALUES ($1, $2, $3, 1999, 'settled', 'visa', '1111', $4, now())`,
          [randomUUID(), katie, cardToken, randomUUID().replaceAll('-', '')],
        ),
      )

    it('stores a Luhn-invalid token', async () => {
      assert.equal((await settle(TOKEN)).rowCount, 1)
    })

    for (const pan of [PAN, PAN.replaceAll(' ', ''), '4111-1111-1111-1111', '378282246310005']) {
      it(`refuses the card number ${pan} as a token`, async () => {
        await assert.rejects(settle(pan), {
          code: '23514',
          message: /violates check constraint "card_token_is_not_a_pan"/,
        })
      })
    }

    it('refuses an outbox payload that carries a card number', async () => {
      const orderId = randomUUID()
      const write = (payload: object) =>
        withCustomerScope(pool('order-fulfillment-api'), katie, async (db) => {
          await db.query(
            `INSERT INTO placed_orders
               (order_id, customer_id, card_token, total_cents, request_fingerprint)
             VALUES ($1, $2, $3, 1999, $4)`,
            [orderId, katie, TOKEN, 'f'.repeat(43)],
          )
          await db.query(
            `INSERT INTO outbox (event_type, aggregate_id, payload) VALUES ('order.placed', $1, $2)`,
            [orderId, JSON.stringify(payload)],
          )
        })
      await assert.rejects(write({ orderId, card: { number: PAN } }), {
        code: '23514',
        message: /violates check constraint "payload_has_no_pan"/,
      })
      // A UUID whose groups hold a Luhn-valid run ("80702-7091-4526-9548-05") is not a card number.
      await write({ orderId, cardToken: TOKEN, traceRef: '67d80702-7091-4526-9548-052b61b95afe' })
    })
  })
})
