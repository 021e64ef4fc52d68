import assert from 'node:assert/strict'
import { test } from 'node:test'
import { randomBytes } from 'node:crypto'
import { derivePurposeKey } from '@mythical/service-kit'
import { derivePairwiseKey, pairwiseSubject } from '../../../src/federation/pairwise-subject.ts'

const RETAIL = 'https://localhost:4000'

/** A fresh 256-bit data key, as `ensurePki` generates it. */
const dataKey = () => ({ kid: 'data-key-1', bytes: randomBytes(32) })

test('same issuer and subject give the same pairwise subject', () => {
  const key = derivePairwiseKey(dataKey())
  assert.equal(pairwiseSubject(key, RETAIL, 'katie'), pairwiseSubject(key, RETAIL, 'katie'))
})

test('different subjects or issuers give different pairwise subjects', () => {
  const key = derivePairwiseKey(dataKey())
  const katie = pairwiseSubject(key, RETAIL, 'katie')
  assert.notEqual(katie, pairwiseSubject(key, RETAIL, 'bob'))
  assert.notEqual(katie, pairwiseSubject(key, 'https://other.example', 'katie'))
  assert.notEqual(katie, 'katie')
  assert.match(katie, /^[A-Za-z0-9_-]{43}$/)
})

test('the encoding is unambiguous across the issuer/subject boundary', () => {
  const key = derivePairwiseKey(dataKey())
  assert.notEqual(pairwiseSubject(key, 'https://a', 'bc'), pairwiseSubject(key, 'https://ab', 'c'))
})

test('another partner key maps the same user to an unrelated subject', () => {
  const one = derivePairwiseKey(dataKey())
  const two = derivePairwiseKey(dataKey())
  assert.notEqual(pairwiseSubject(one, RETAIL, 'katie'), pairwiseSubject(two, RETAIL, 'katie'))
})

test('the pairwise key is a purpose key of its own, not the data key nor another purpose', () => {
  const root = dataKey()
  const key = derivePairwiseKey(root)
  assert.equal(key.bytes.length, 32)
  assert.notDeepEqual(key.bytes, root.bytes)
  assert.deepEqual(derivePairwiseKey({ ...root, kid: 'same-bytes' }).bytes, key.bytes)
  assert.notDeepEqual(derivePurposeKey(root, 'mythical-idp/cookies/v1').key, key.bytes)
})
