/**
 * Transaction handling of withCustomerScope / withStaffScope against a recording stub pool. That
 * the scope really filters rows is proven against PostgreSQL in
 * infra/test/integration/postgres/row-level-security.test.ts.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Pool, PoolClient } from 'pg'
import { withCustomerScope, withStaffScope } from '../src/index.ts'

function stubPool(failOn?: string) {
  const calls: unknown[][] = []
  const released: unknown[] = []
  let connects = 0
  const client = {
    query: async (text: string, params?: unknown[]) => {
      calls.push(params === undefined ? [text] : [text, params])
      if (text === failOn) throw new Error(`${text} failed`)
      return { rows: [], rowCount: 0 }
    },
    release: (error?: unknown) => released.push(error),
  }
  const pool = {
    connect: async () => {
      connects += 1
      return client as unknown as PoolClient
    },
  } as unknown as Pool
  return { pool, calls, released, connects: () => connects }
}

describe('withCustomerScope', () => {
  it('sets app.customer_id for one transaction, commits and releases', async () => {
    const { pool, calls, released } = stubPool()
    const result = await withCustomerScope(pool, 'katie', async (db) => {
      await db.query('SELECT * FROM orders')
      return 'done'
    })
    assert.equal(result, 'done')
    assert.deepEqual(calls, [
      ['BEGIN'],
      ['SELECT set_config($1, $2, true)', ['app.customer_id', 'katie']],
      ['SELECT * FROM orders'],
      ['COMMIT'],
    ])
    assert.deepEqual(released, [undefined])
  })

  it('rolls back and rethrows when the callback fails', async () => {
    const { pool, calls, released } = stubPool()
    const boom = new Error('boom')
    await assert.rejects(
      withCustomerScope(pool, 'katie', async () => {
        throw boom
      }),
      boom,
    )
    assert.deepEqual(calls.at(-1), ['ROLLBACK'])
    assert.deepEqual(released, [undefined])
  })

  it('destroys the connection when even the rollback fails', async () => {
    const { pool, released } = stubPool('ROLLBACK')
    await assert.rejects(
      withCustomerScope(pool, 'katie', async () => {
        throw new Error('boom')
      }),
      { message: 'boom' },
    )
    assert.equal(released.length, 1)
    assert.equal((released[0] as Error).message, 'ROLLBACK failed')
  })

  it('refuses an empty customer id before taking a connection', async () => {
    const { pool, connects } = stubPool()
    for (const id of ['', undefined as unknown as string]) {
      await assert.rejects(
        withCustomerScope(pool, id, async () => undefined),
        { name: 'TypeError', message: '"customerId" must be a non-empty string' },
      )
    }
    assert.equal(connects(), 0)
  })
})

describe('withStaffScope', () => {
  it('sets app.staff_id (and no customer) for one transaction', async () => {
    const { pool, calls } = stubPool()
    await withStaffScope(pool, 'sam', async () => undefined)
    assert.deepEqual(calls, [
      ['BEGIN'],
      ['SELECT set_config($1, $2, true)', ['app.staff_id', 'sam']],
      ['COMMIT'],
    ])
  })

  it('refuses an empty staff id', async () => {
    const { pool } = stubPool()
    await assert.rejects(
      withStaffScope(pool, '', async () => undefined),
      { name: 'TypeError', message: '"staffId" must be a non-empty string' },
    )
  })
})
