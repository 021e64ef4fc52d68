import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DECLINING_TEST_CARD, simulatedAcquirer } from '../../src/acquirer.ts'

const NOW = new Date('2026-11-30T12:00:00Z')
const acquirer = simulatedAcquirer(() => NOW)
const card = (number: string, expMonth = 12, expYear = 2030) => ({ number, expMonth, expYear })
const charge = (number: string, amountCents = 4999, currency = 'EUR') =>
  acquirer({ card: card(number), amountCents, currency })

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
})
