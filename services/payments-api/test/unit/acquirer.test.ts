import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { DECLINING_TEST_CARD, simulatedAcquirer } from '../../src/acquirer.ts'

const NOW = new Date('2026-11-30T12:00:00Z')
const acquirer = simulatedAcquirer(() => NOW)
const card = (number: string, expMonth = 12, expYear = 2030) => ({ number, expMonth, expYear })
/** A charge of its own order (a new idempotency key). */
const charge = (number: string, amountCents = 4999, currency = 'EUR') =>
  acquirer({ idempotencyKey: randomUUID(), card: card(number), amountCents, currency })

describe('simulated acquirer', () => {
  it('settles a Luhn-valid card for a positive amount, at the time of the charge', () => {
    assert.deepEqual(charge('4111 1111 1111 1111'), { status: 'settled', settledAt: NOW })
    assert.deepEqual(charge('5555-5555-5555-4444', 1), { status: 'settled', settledAt: NOW })
  })

  it('declines a number that fails Luhn or is no card number', () => {
    for (const number of ['4111111111111112', '411111111111', 'tok_visa_9f8e7d', '']) {
      assert.deepEqual(charge(number), { status: 'declined', reason: 'invalid_card_number' })
    }
  })

  it('declines an expired card, and accepts one through the last day of its month', () => {
    const at = (expMonth: number, expYear: number) =>
      acquirer({
        idempotencyKey: randomUUID(),
        card: card('4111111111111111', expMonth, expYear),
        amountCents: 100,
        currency: 'EUR',
      })
    assert.deepEqual(at(10, 2026), { status: 'declined', reason: 'card_expired' })
    assert.deepEqual(at(12, 2025), { status: 'declined', reason: 'card_expired' })
    assert.equal(at(11, 2026).status, 'settled')
  })

  it('declines a zero, negative or fractional amount, or a malformed currency', () => {
    for (const [amount, currency] of [
      [0, 'EUR'],
      [-100, 'EUR'],
      [10.5, 'EUR'],
      [100, 'eur'],
    ] as const) {
      assert.deepEqual(charge('4111111111111111', amount, currency), {
        status: 'declined',
        reason: 'invalid_amount',
      })
    }
  })

  it('always declines the documented test card with insufficient_funds', () => {
    assert.deepEqual(charge(DECLINING_TEST_CARD), {
      status: 'declined',
      reason: 'insufficient_funds',
    })
    assert.deepEqual(charge('4000 0000 0000 0002'), {
      status: 'declined',
      reason: 'insufficient_funds',
    })
  })

  it('answers a repeated idempotency key with the first outcome, without charging again', () => {
    let now = NOW
    const idempotent = simulatedAcquirer(() => now)
    const orderId = randomUUID()
    const first = idempotent({
      idempotencyKey: orderId,
      card: card('4111111111111111'),
      amountCents: 4999,
      currency: 'EUR',
    })
    now = new Date(NOW.getTime() + 60_000)
    // A retry that would now decline (another card) still gets the first answer, uncharged.
    const again = idempotent({
      idempotencyKey: orderId,
      card: card(DECLINING_TEST_CARD),
      amountCents: 4999,
      currency: 'EUR',
    })
    assert.deepEqual(first, { status: 'settled', settledAt: NOW })
    assert.deepEqual(again, first)
    assert.equal(idempotent.chargesOf(orderId), 1)
    const other = randomUUID()
    assert.deepEqual(
      idempotent({
        idempotencyKey: other,
        card: card('4111111111111111'),
        amountCents: 4999,
        currency: 'EUR',
      }),
      { status: 'settled', settledAt: now },
    )
    assert.equal(idempotent.chargesOf(other), 1)
  })

  it('keeps a decline as the outcome of its key too', () => {
    const idempotent = simulatedAcquirer(() => NOW)
    const attempt = () =>
      idempotent({
        idempotencyKey: 'order-1',
        card: card(DECLINING_TEST_CARD),
        amountCents: 4999,
        currency: 'EUR',
      })
    assert.deepEqual(
      [attempt(), attempt()],
      [
        { status: 'declined', reason: 'insufficient_funds' },
        { status: 'declined', reason: 'insufficient_funds' },
      ],
    )
    assert.equal(idempotent.chargesOf('order-1'), 1)
    assert.equal(idempotent.chargesOf('never-charged'), 0)
  })

  it('remembers a bounded number of keys, forgetting the oldest first', () => {
    const idempotent = simulatedAcquirer(() => NOW, 2)
    const chargeUnder = (idempotencyKey: string) =>
      idempotent({
        idempotencyKey,
        card: card('4111111111111111'),
        amountCents: 1,
        currency: 'EUR',
      })
    for (const key of ['a', 'b', 'c']) chargeUnder(key)
    assert.deepEqual(
      ['a', 'b', 'c'].map((key) => idempotent.chargesOf(key)),
      [0, 1, 1],
    )
    chargeUnder('c')
    assert.equal(idempotent.chargesOf('c'), 1)
    // Forgotten, so charged again — what a key older than a real acquirer's window gets too.
    chargeUnder('a')
    assert.equal(idempotent.chargesOf('a'), 1)
    assert.equal(idempotent.chargesOf('b'), 0)
  })
})
