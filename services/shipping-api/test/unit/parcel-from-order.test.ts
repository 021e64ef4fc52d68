import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import type pg from 'pg'
import type { VerifiedEvent } from '@mythical/events'
import { derivePairwiseKey, pairwiseSubject } from '@mythical/service-kit'
import {
  parcelFromOrder,
  ParcelOrderInvalid,
  parcelOrderOf,
} from '../../src/parcels/parcel-from-order.ts'

const RETAIL = 'https://localhost:4000'
const key = derivePairwiseKey({ kid: 'k1', bytes: randomBytes(32) })

const eventOf = (data: Record<string, unknown>): VerifiedEvent => ({
  id: randomUUID(),
  type: 'order.placed',
  issuer: 'spiffe://retail.mythical.example/order-fulfillment-api',
  audience: 'shipping-partner',
  issuedAt: Math.floor(Date.now() / 1000),
  data,
})

/** A database client that records its statements and answers an INSERT … RETURNING with an id. */
function recordingClient() {
  const statements: { text: string; values: unknown[] }[] = []
  const client = {
    query(text: string, values: unknown[] = []) {
      statements.push({ text, values })
      return Promise.resolve({ rows: text.includes('RETURNING') ? [{ id: 'parcel-1' }] : [] })
    },
  }
  return { statements, client: client as unknown as pg.PoolClient }
}

describe('parcel from order.placed', () => {
  it("files the parcel under the customer's pairwise subject, never her retail sub", async () => {
    const orderId = randomUUID()
    const { statements, client } = recordingClient()
    await parcelFromOrder({ pairwiseKey: key, retailIssuer: RETAIL })(
      eventOf({ orderId, customer: 'katie', parcel: [{ sku: 'SHOE-1', quantity: 1 }] }),
      client,
    )
    const subject = pairwiseSubject(key, RETAIL, 'katie')
    // RLS scope first, then the parcel and its first event, all under the pairwise subject.
    assert.deepEqual(statements[0]?.values, ['app.customer_id', subject])
    assert.match(statements[1]?.text ?? '', /INSERT INTO parcels/)
    assert.deepEqual(statements[1]?.values.slice(0, 2), [orderId, subject])
    assert.match(String(statements[1]?.values[2]), /^SHP-[0-9A-F]{16}$/)
    assert.match(statements[2]?.text ?? '', /INSERT INTO parcel_events .*'label-created'/)
    assert.deepEqual(statements[2]?.values, ['parcel-1', subject])
    assert.ok(!JSON.stringify(statements).includes('katie'), 'the retail sub reaches no statement')
  })

  it('refuses a projection without a UUID order id, a subject or items', () => {
    const good = { orderId: randomUUID(), customer: 'katie', parcel: [{ sku: 'A', quantity: 1 }] }
    assert.deepEqual(parcelOrderOf(good), good)
    for (const bad of [
      { ...good, orderId: 'not-a-uuid' },
      { ...good, customer: '' },
      { ...good, customer: undefined },
      { ...good, parcel: [] },
    ]) {
      assert.throws(() => parcelOrderOf(bad), ParcelOrderInvalid)
    }
  })
})
