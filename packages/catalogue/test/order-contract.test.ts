import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  IdempotencyKeyRequired,
  idempotencyKeyOf,
  MAX_ORDER_LINES,
  MAX_QUANTITY,
  ORDER_REQUEST_SCHEMA,
} from '../src/index.ts'

describe('order contract', () => {
  it('takes an Idempotency-Key of 8 to 128 printable characters', () => {
    assert.equal(idempotencyKeyOf('checkout-0001'), 'checkout-0001')
    assert.equal(idempotencyKeyOf('k'.repeat(128)), 'k'.repeat(128))
  })

  it('refuses a missing, short, long, repeated or spaced key with ZT_ERR_IDEMPOTENCY_KEY_REQUIRED (400)', () => {
    for (const header of [
      undefined,
      'short',
      'k'.repeat(129),
      ['checkout-1', 'checkout-2'],
      'with space 1',
    ]) {
      assert.throws(
        () => idempotencyKeyOf(header),
        (err: unknown) =>
          err instanceof IdempotencyKeyRequired &&
          err.code === 'ZT_ERR_IDEMPOTENCY_KEY_REQUIRED' &&
          err.status === 400,
      )
    }
  })

  it("bounds the body by the catalogue's own limits", () => {
    const { items } = ORDER_REQUEST_SCHEMA.properties
    assert.equal(items.maxItems, MAX_ORDER_LINES)
    assert.equal(items.items.properties.quantity.maximum, MAX_QUANTITY)
    assert.deepEqual(ORDER_REQUEST_SCHEMA.required, ['items', 'card'])
  })
})
