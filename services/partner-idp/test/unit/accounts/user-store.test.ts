import assert from 'node:assert/strict'
import { test } from 'node:test'
import { findPartnerUser } from '../../../src/accounts/user-store.ts'

test('the partner knows its own dispatcher', () => {
  assert.equal(findPartnerUser('dispatcher-dana')?.role, 'dispatcher')
})

test('Mythical Retail customers are not partner accounts', () => {
  assert.equal(findPartnerUser('katie'), undefined)
  assert.equal(findPartnerUser('bob'), undefined)
})
