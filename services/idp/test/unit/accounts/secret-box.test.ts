/**
 * Sealed TOTP secrets: a compact JWE (`dir` + `A256GCM`, jose) that opens only with the same key
 * version and account, refuses any tampering — a GCM tag truncated to 4 bytes included, which
 * the former hand-written format accepted — and the retired format is readable only for its
 * migration, with the full 16-byte tag enforced.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { decodeProtectedHeader } from 'jose'
import type { AccountStore } from '../../../src/accounts/account-store.ts'
import { openLegacySecret } from '../../../src/accounts/legacy-secret-box.ts'
import { resealLegacySecrets } from '../../../src/accounts/reseal-secrets.ts'
import { openSecret, sealedKeyVersion, sealSecret } from '../../../src/accounts/secret-box.ts'
import { SealedSecretError } from '../../../src/errors.ts'
import { legacySeal, truncateTag } from './legacy-seal.ts'

const key = { kid: 'data-key-1', key: randomBytes(32) }
const SECRET = 'JBSWY3DPEHPK3PXP'

test('a sealed secret is a dir/A256GCM JWE that opens with the same key and account', async () => {
  const sealed = await sealSecret(key, 'sam', SECRET)
  assert.match(sealed, /^eyJ[\w-]+\.\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/)
  assert.ok(!sealed.includes(SECRET))
  assert.deepEqual(decodeProtectedHeader(sealed), {
    alg: 'dir',
    enc: 'A256GCM',
    kid: 'data-key-1',
    acct: 'sam',
  })
  assert.equal(sealedKeyVersion(sealed), 'data-key-1')
  assert.equal(await openSecret(key, 'sam', sealed), SECRET)
})

test('a GCM tag truncated to 4 bytes (or any length but 16) does not open', async () => {
  const sealed = await sealSecret(key, 'sam', SECRET)
  for (const bytes of [4, 8, 12, 15]) {
    await assert.rejects(openSecret(key, 'sam', truncateTag(sealed, bytes)), {
      code: 'ERR_IDP_SEALED_SECRET',
    })
  }
})

test('another key, key version, account, or a tampered value do not open', async () => {
  const sealed = await sealSecret(key, 'sam', SECRET)
  const [header = '', , iv = '', ciphertext = '', tag = ''] = sealed.split('.')
  const relabel = (patch: Record<string, string>) => {
    const h = { ...decodeProtectedHeader(sealed), ...patch }
    return [Buffer.from(JSON.stringify(h)).toString('base64url'), '', iv, ciphertext, tag].join('.')
  }
  // Flip the FIRST character: the last one of a 16-byte value also carries base64url padding
  // bits, so changing it can leave the decoded bytes (and the tag check) untouched.
  const flipped = `${ciphertext.startsWith('A') ? 'B' : 'A'}${ciphertext.slice(1)}`
  for (const [k, account, value] of [
    [{ kid: 'data-key-1', key: randomBytes(32) }, 'sam', sealed],
    [{ kid: 'data-key-2', key: key.key }, 'sam', sealed],
    // The same key bytes under another version label: the header is authenticated too.
    [{ kid: 'data-key-2', key: key.key }, 'sam', relabel({ kid: 'data-key-2' })],
    [key, 'katie', sealed],
    [key, 'katie', relabel({ acct: 'katie' })],
    [key, 'sam', [header, '', iv, flipped, tag].join('.')],
    [key, 'sam', 'v1.a.b.c.d'],
    [key, 'sam', 'not a jwe'],
  ] as const) {
    await assert.rejects(openSecret(k, account, value), {
      code: 'ERR_IDP_SEALED_SECRET',
      name: SealedSecretError.name,
    })
  }
})

test('the retired format opens only for its migration, only with the full 16-byte tag', async () => {
  const legacy = legacySeal(key, 'sam', SECRET)
  assert.match(legacy, /^v1\./)
  assert.equal(sealedKeyVersion(legacy), undefined)
  await assert.rejects(openSecret(key, 'sam', legacy), { code: 'ERR_IDP_SEALED_SECRET' })
  assert.equal(openLegacySecret(key, 'sam', legacy), SECRET)
  for (const value of [
    truncateTag(legacy, 4),
    truncateTag(legacy, 15),
    legacySeal({ kid: 'data-key-1', key: randomBytes(32) }, 'sam', SECRET),
    legacySeal({ kid: 'data-key-0', key: key.key }, 'sam', SECRET),
    legacySeal(key, 'katie', SECRET),
    'v1.aXY.Y2lwaGVy.dGFn',
  ]) {
    assert.throws(() => openLegacySecret(key, 'sam', value), { code: 'ERR_IDP_SEALED_SECRET' })
  }
})

test('start-up migration re-seals every readable retired value as JWE and skips unreadable ones', async () => {
  const rows = new Map([
    ['sam', legacySeal(key, 'sam', SECRET)],
    ['lost', legacySeal({ kid: 'data-key-0', key: randomBytes(32) }, 'lost', SECRET)],
    ['forged', truncateTag(legacySeal(key, 'forged', SECRET), 4)],
  ])
  const store = {
    listLegacySealedSecrets: async () =>
      [...rows].filter(([, v]) => v.startsWith('v1.')).map(([id, sealed]) => ({ id, sealed })),
    async swapSealedTotpSecret(id: string, from: string, to: string) {
      if (rows.get(id) !== from) return false
      rows.set(id, to)
      return true
    },
  } as Pick<AccountStore, 'listLegacySealedSecrets' | 'swapSealedTotpSecret'> as AccountStore
  assert.deepEqual(await resealLegacySecrets(store, key), { resealed: 1, unreadable: 2 })
  assert.equal(await openSecret(key, 'sam', rows.get('sam') ?? ''), SECRET)
  assert.deepEqual(await resealLegacySecrets(store, key), { resealed: 0, unreadable: 2 })
})
