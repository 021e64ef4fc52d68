import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { openSecret, sealSecret } from '../../../src/accounts/secret-box.ts'
import { SealedSecretError } from '../../../src/errors.ts'

const key = randomBytes(32)

test('a sealed secret opens with the same key and account', () => {
  const sealed = sealSecret(key, 'sam', 'JBSWY3DPEHPK3PXP')
  assert.match(sealed, /^v1\./)
  assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'))
  assert.equal(openSecret(key, 'sam', sealed), 'JBSWY3DPEHPK3PXP')
})

test('another key, another account or a tampered value do not open', () => {
  const sealed = sealSecret(key, 'sam', 'JBSWY3DPEHPK3PXP')
  const parts = sealed.split('.')
  const tampered = [parts[0], parts[1], `A${(parts[2] ?? '').slice(1)}`, parts[3]].join('.')
  for (const [k, account, value] of [
    [randomBytes(32), 'sam', sealed],
    [key, 'katie', sealed],
    [key, 'sam', tampered],
    [key, 'sam', 'v2.a.b.c'],
  ] as const) {
    assert.throws(() => openSecret(k, account, value), {
      code: 'ERR_IDP_SEALED_SECRET',
      name: SealedSecretError.name,
    })
  }
})
