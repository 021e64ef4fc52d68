import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isDueForRenewal } from '../../../src/pki/index.ts'

const HOUR_MS = 60 * 60 * 1000
const notBefore = new Date('2026-03-01T00:00:00.000Z')
const notAfter = new Date(notBefore.getTime() + 24 * HOUR_MS)
const at = (hours: number) => new Date(notBefore.getTime() + hours * HOUR_MS)

describe('isDueForRenewal', () => {
  it('keeps a certificate while more than a third of its lifetime is left', () => {
    assert.equal(isDueForRenewal({ notBefore, notAfter }, at(0)), false)
    assert.equal(isDueForRenewal({ notBefore, notAfter }, at(15.99)), false)
  })

  it('renews from two thirds of the lifetime on', () => {
    assert.equal(isDueForRenewal({ notBefore, notAfter }, at(16)), true)
    assert.equal(isDueForRenewal({ notBefore, notAfter }, at(23)), true)
  })

  it('renews an expired certificate', () => {
    assert.equal(isDueForRenewal({ notBefore, notAfter }, at(48)), true)
  })

  it('renews a certificate that is not valid yet (clock went backwards)', () => {
    assert.equal(isDueForRenewal({ notBefore, notAfter }, at(-1)), true)
  })
})
