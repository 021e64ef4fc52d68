/**
 * TB06/TB12 experience → recommendations-api, over real mTLS with the stack's workload
 * certificates and the real recommendations database: recommendations from the caller's own
 * purchase history only (row-level security holds with the API's filter removed), the catalogue
 * as fallback, and the refusals of the hop with their problem and audit codes.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { CATALOGUE } from '@mythical/catalogue'
import { createDatabasePool, readDatabaseCredentials, withCustomerScope } from '@mythical/db'
import { stackWorkload as workload, startStackServiceForTest } from '@mythical/service-kit/testing'
import { stackPaths } from '@mythical/stack'
import pg from 'pg'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'

const secretsDir = stackPaths().secrets('recommendations-api')
const katie = `katie-${randomUUID()}`
const bob = `bob-${randomUUID()}`
const shopping = workload('my-shopping-api')
const fulfillment = workload('order-fulfillment-api')

async function bought(pool: pg.Pool, customer: string, sku: string, quantity = 1) {
  await withCustomerScope(pool, customer, (db) =>
    db.query(
      'INSERT INTO purchase_history (customer_id, order_id, sku, quantity) VALUES ($1, $2, $3, $4)',
      [customer, randomUUID(), sku, quantity],
    ),
  )
}

describe('recommendations-api (TB06, TB12 on the real database)', () => {
  let pool: pg.Pool
  let api: Awaited<ReturnType<typeof startStackServiceForTest>>
  const token = (sub: string, extra: Record<string, unknown> = {}) =>
    api.idp.mint({
      audience: 'recommendations-api',
      boundTo: shopping,
      sub,
      scope: 'recommendations:read',
      clientId: 'my-shopping-api',
      act: { sub: shopping.spiffeId },
      ...extra,
    })
  const skus = (res: { body: Record<string, unknown> }) =>
    (res.body.products as { sku: string }[]).map((p) => p.sku)

  before(async () => {
    pool = createDatabasePool(secretsDir)
    await bought(pool, katie, 'sku-city-bike')
    await bought(pool, bob, 'sku-tent', 3)
    api = await startStackServiceForTest('recommendations-api', loadServiceConfig, buildApp)
  })
  after(async () => {
    await api.close()
    await pool.end()
  })

  it("recommends from the caller's own purchases only", async () => {
    const res = await api.call(shopping, 'GET', '/recommendations/me', await token(katie))
    assert.equal(res.status, 200)
    assert.deepEqual(res.body.products, [
      { sku: 'sku-helmet', name: 'Bike helmet', reason: 'Goes with your City bike' },
      { sku: 'sku-bike-light', name: 'Bike light set', reason: 'Goes with your City bike' },
      { sku: 'sku-backpack', name: 'Day backpack', reason: 'Goes with your City bike' },
      { sku: 'sku-trail-shoe', name: 'Trail running shoe', reason: 'Something new for you' },
    ])
    assert.equal(res.records.length, 1)
    assert.equal(res.records[0]?.reason, 'access.granted')
    assert.equal(res.records[0]?.boundary, 'TB06')
    assert.equal(res.records[0]?.subject, katie)
  })

  it('falls back to the catalogue for a customer without history', async () => {
    const res = await api.call(shopping, 'GET', '/recommendations/me', await token(`new-${katie}`))
    assert.equal(res.status, 200)
    assert.ok(
      (res.body.products as { reason: string }[]).every((p) => p.reason === 'Popular in the shop'),
    )
    assert.deepEqual(
      skus(res),
      CATALOGUE.slice(0, 4).map((p) => p.sku),
    )
  })

  it("still shows only the caller's history with the API's WHERE filter removed", async () => {
    const seen = await withCustomerScope(pool, katie, (db) =>
      db.query<{ customer_id: string; sku: string }>(
        'SELECT customer_id, sku FROM purchase_history',
      ),
    )
    assert.deepEqual(seen.rows, [{ customer_id: katie, sku: 'sku-city-bike' }])
    assert.equal(
      (await pool.query('SELECT 1 FROM purchase_history')).rowCount,
      0,
      'no scope, no rows',
    )
  })

  it("refuses writing history for bob from katie's scope (42501)", async () => {
    await assert.rejects(
      withCustomerScope(pool, katie, (db) =>
        db.query(
          "INSERT INTO purchase_history (customer_id, order_id, sku, quantity) VALUES ($1, $2, 'sku-tent', 1)",
          [bob, randomUUID()],
        ),
      ),
      { code: '42501', message: /row-level security/ },
    )
  })

  it("refuses recommendations_api on another service's database (customers)", async () => {
    const client = new pg.Client({
      ...readDatabaseCredentials(secretsDir),
      database: 'customers',
      ssl: (pool.options as pg.PoolConfig).ssl,
    })
    await assert.rejects(client.connect(), { code: '42501', message: /permission denied/ })
    await client.end().catch(() => undefined)
  })

  it('refuses a workload other than my-shopping-api: 403, mtls.peer_not_allowed', async () => {
    const res = await api.call(
      fulfillment,
      'GET',
      '/recommendations/me',
      await token(katie, { boundTo: fulfillment }),
    )
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_PEER_NOT_ALLOWED')
    assert.equal(res.records[0]?.reason, 'mtls.peer_not_allowed')
  })

  it('refuses a token without recommendations:read: 403, scope.insufficient', async () => {
    const res = await api.call(
      shopping,
      'GET',
      '/recommendations/me',
      await token(katie, { scope: 'customers:read' }),
    )
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_INSUFFICIENT_SCOPE')
    assert.equal(res.records[0]?.reason, 'scope.insufficient')
  })
})
