import assert from 'node:assert/strict'
import { test } from 'node:test'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SECRET_FILES } from '@mythical/stack'
import { derivePurposeKey } from '../src/data-key.ts'
import { derivePairwiseKey, loadPairwiseKey, pairwiseSubject } from '../src/pairwise-subject.ts'

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

test('an empty issuer or subject is refused, never hashed', () => {
  const key = derivePairwiseKey(dataKey())
  assert.throws(() => pairwiseSubject(key, RETAIL, ''), TypeError)
  assert.throws(() => pairwiseSubject(key, '', 'katie'), TypeError)
})

test('two holders of the shared key file (partner-idp, shipping-api) derive the same subject', () => {
  const k = randomBytes(32).toString('base64url')
  const folders = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'pairwise-')))
  try {
    for (const dir of folders) {
      const jwk = JSON.stringify({ kty: 'oct', kid: 'shared-1', k })
      writeFileSync(join(dir, SECRET_FILES.pairwiseSubjectKey), jwk, { mode: 0o600 })
    }
    const [idp, shipping] = folders.map((dir) => loadPairwiseKey(dir))
    assert.ok(idp && shipping)
    assert.equal(pairwiseSubject(idp, RETAIL, 'katie'), pairwiseSubject(shipping, RETAIL, 'katie'))
    // The same bytes as a workload's data key would give the same subject: the file is what differs.
    assert.equal(
      pairwiseSubject(idp, RETAIL, 'katie'),
      pairwiseSubject(
        derivePairwiseKey({ kid: 'x', bytes: Buffer.from(k, 'base64url') }),
        RETAIL,
        'katie',
      ),
    )
  } finally {
    for (const dir of folders) rmSync(dir, { recursive: true, force: true })
  }
})

test('a folder without the shared key fails at load, naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairwise-'))
  try {
    assert.throws(() => loadPairwiseKey(dir), /pairwise-subject-key\.jwk\.json/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
