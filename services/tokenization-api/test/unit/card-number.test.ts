import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isLuhnValid } from '@mythical/audit'
import { formatPreservingToken, parseCardExpiry, parseCardNumber } from '../../src/card-number.ts'

describe('parseCardNumber', () => {
  it('accepts Luhn-valid numbers of known brands, spaces and dashes allowed', () => {
    assert.deepEqual(parseCardNumber('4111 1111 1111 1111'), {
      digits: '4111111111111111',
      brand: 'visa',
      last4: '1111',
    })
    assert.equal(parseCardNumber('5555-5555-5555-4444')?.brand, 'mastercard')
    assert.equal(parseCardNumber('378282246310005')?.brand, 'amex')
    assert.equal(parseCardNumber('6011111111111117')?.brand, 'discover')
  })

  it('refuses what is not a card number', () => {
    for (const value of [
      '4111 1111 1111 1112', // Luhn fails
      '411111111111', // too short
      '41111111111111111111', // too long
      '4111  1111 1111 1111', // two separators
      '37828224631000', // amex length with a valid-looking prefix but 14 digits
      4111111111111111,
      undefined,
    ]) {
      assert.equal(parseCardNumber(value), undefined, String(value))
    }
  })
})

describe('formatPreservingToken', () => {
  it('keeps length, first digit and last four and is never Luhn-valid', () => {
    for (const pan of ['4111111111111111', '378282246310005', '5555555555554444']) {
      const card = parseCardNumber(pan)
      assert.ok(card)
      for (let i = 0; i < 500; i++) {
        const token = formatPreservingToken(card)
        assert.equal(token.length, pan.length)
        assert.equal(token[0], pan[0])
        assert.equal(token.slice(-4), pan.slice(-4))
        assert.equal(isLuhnValid(token), false, token)
      }
    }
  })
})

describe('parseCardExpiry', () => {
  const now = new Date('2026-11-30T12:00:00Z')
  it('accepts a card valid through the end of its month', () => {
    assert.deepEqual(parseCardExpiry(11, 2026, now), { expMonth: 11, expYear: 2026 })
    assert.deepEqual(parseCardExpiry(12, 2030, now), { expMonth: 12, expYear: 2030 })
  })
  it('refuses an expired or malformed expiry', () => {
    assert.equal(parseCardExpiry(10, 2026, now), undefined)
    assert.equal(parseCardExpiry(13, 2030, now), undefined)
    assert.equal(parseCardExpiry('12', 2030, now), undefined)
    assert.equal(parseCardExpiry(12, 30, now), undefined)
  })
})
