import assert from 'node:assert/strict'
import { test } from 'node:test'
import { exportJWK, generateKeyPair } from 'jose'
import { derivePairwiseKey, pairwiseSubject } from '../../../src/federation/pairwise-subject.ts'

const RETAIL = 'https://localhost:4000'

async function privateJwk() {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  return exportJWK(privateKey)
}

test('same issuer and subject give the same pairwise subject', async () => {
  const key = derivePairwiseKey(await privateJwk())
  assert.equal(pairwiseSubject(key, RETAIL, 'katie'), pairwiseSubject(key, RETAIL, 'katie'))
})

test('different subjects or issuers give different pairwise subjects', async () => {
  const key = derivePairwiseKey(await privateJwk())
  const katie = pairwiseSubject(key, RETAIL, 'katie')
  assert.notEqual(katie, pairwiseSubject(key, RETAIL, 'bob'))
  assert.notEqual(katie, pairwiseSubject(key, 'https://other.example', 'katie'))
  assert.notEqual(katie, 'katie')
  assert.match(katie, /^[A-Za-z0-9_-]{43}$/)
})

test('the encoding is unambiguous across the issuer/subject boundary', async () => {
  const key = derivePairwiseKey(await privateJwk())
  assert.notEqual(pairwiseSubject(key, 'https://a', 'bc'), pairwiseSubject(key, 'https://ab', 'c'))
})

test('another partner key maps the same user to an unrelated subject', async () => {
  const one = derivePairwiseKey(await privateJwk())
  const two = derivePairwiseKey(await privateJwk())
  assert.notEqual(pairwiseSubject(one, RETAIL, 'katie'), pairwiseSubject(two, RETAIL, 'katie'))
})

test('a public JWK cannot key the mapping', async () => {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  assert.throws(() => derivePairwiseKey(publicJwk), {
    name: 'TypeError',
    message: 'pairwise key derivation needs a private JWK (with "d")',
  })
  assert.throws(() => derivePairwiseKey({ kty: 'EC' }), { name: 'TypeError' })
})
