import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { openSecret, sealedKeyVersion, sealSecret } from '../../../src/accounts/secret-box.ts'
import { SealedSecretError } from '../../../src/errors.ts'

const key = { kid: 'data-key-1', key: randomBytes(32) }

test('a sealed secret opens with the same key and account, and records the key version', () => {
  const sealed = sealSecret(key, 'sam', 'JBSWY3DPEHPK3PXP')
  assert.match(sealed, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
  assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'))
  assert.equal(sealedKeyVersion(sealed), 'data-key-1')
  assert.equal(openSecret(key, 'sam', sealed), 'JBSWY3DPEHPK3PXP')
})

test('a value in the older four-field format has no key version and does not open', () => {
  const legacy = 'v1.aXY.Y2lwaGVy.dGFn'
  assert.equal(sealedKeyVersion(legacy), undefined)
  assert.throws(() => openSecret(key, 'sam', legacy), { code: 'ERR_IDP_SEALED_SECRET' })
})

test('another key, key version, account, or a tampered value do not open', () => {
  const sealed = sealSecret(key, 'sam', 'JBSWY3DPEHPK3PXP')
  const parts = sealed.split('.')
  const tampered = [...parts.slice(0, 3), `A${(parts[3] ?? '').slice(1)}`, parts[4]].join('.')
  // The same key bytes under another version label: the label is authenticated too.
  const relabelled = [parts[0], Buffer.from('data-key-2').toString('base64url'), ...parts.slice(2)]
  for (const [k, account, value] of [
    [{ kid: 'data-key-1', key: randomBytes(32) }, 'sam', sealed],
    [{ kid: 'data-key-2', key: key.key }, 'sam', sealed],
    [{ kid: 'data-key-2', key: key.key }, 'sam', relabelled.join('.')],
    [key, 'katie', sealed],
    [key, 'sam', tampered],
    [key, 'sam', 'v1.a.b.c'],
    [key, 'sam', `v2.${parts.slice(1).join('.')}`],
  ] as const) {
    assert.throws(() => openSecret(k, account, value), {
      code: 'ERR_IDP_SEALED_SECRET',
      name: SealedSecretError.name,
    })
  }
})
