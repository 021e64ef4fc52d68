import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { deriveKeys, loadDerivedKeys } from '../../../src/keys/derived-keys.ts'
import { rotateSigningKeys } from '../../../src/keys/rotate.ts'
import { loadSigningKeys } from '../../../src/keys/signing-keys.ts'

const dir = mkdtempSync(join(tmpdir(), 'idp-keys-'))
after(() => rmSync(dir, { recursive: true, force: true }))

async function writeKey(alg: 'ES256' | 'RS256') {
  const { privateKey } = await generateKeyPair(alg, { extractable: true })
  const jwk = await exportJWK(privateKey)
  const key = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg, use: 'sig' }
  writeFileSync(join(dir, 'signing-key.jwk.json'), JSON.stringify(key))
  return key
}

test('derived keys differ per purpose and per data key, and carry its version', () => {
  const a = deriveKeys({ kid: 'one', bytes: Buffer.alloc(32, 1) })
  const b = deriveKeys({ kid: 'two', bytes: Buffer.alloc(32, 2) })
  assert.notDeepEqual(a.cookies.key, a.totpSeal.key)
  assert.notDeepEqual(a.totpSeal.key, a.csrf.key)
  assert.notDeepEqual(a.totpSeal.key, b.totpSeal.key)
  assert.equal(a.totpSeal.key.length, 32)
  assert.equal(a.totpSeal.kid, 'one')
  assert.throws(() => deriveKeys({ kid: 'short', bytes: Buffer.alloc(8) }), { name: 'TypeError' })
})

test('purpose keys come from the data key, not from the signing or encryption key', async () => {
  const dataKey = { kty: 'oct', kid: 'dk-1', k: Buffer.alloc(32, 7).toString('base64url') }
  writeFileSync(join(dir, 'data-key.jwk.json'), JSON.stringify(dataKey))
  const before = loadDerivedKeys(dir)
  assert.deepEqual(before, deriveKeys({ kid: 'dk-1', bytes: Buffer.alloc(32, 7) }))
  // Rotating the signing key (and replacing the encryption key) leaves every purpose key as it was.
  await writeKey('ES256')
  const { privateKey } = await generateKeyPair('ECDH-ES+A256KW', { extractable: true })
  writeFileSync(join(dir, 'encryption-key.jwk.json'), JSON.stringify(await exportJWK(privateKey)))
  assert.deepEqual(loadDerivedKeys(dir), before)
})

test('a missing or malformed data key stops the IdP at load', () => {
  const empty = mkdtempSync(join(tmpdir(), 'idp-nokey-'))
  after(() => rmSync(empty, { recursive: true, force: true }))
  assert.throws(() => loadDerivedKeys(empty), { code: 'ERR_SECRET_MISSING' })
  writeFileSync(
    join(empty, 'data-key.jwk.json'),
    JSON.stringify({ kty: 'oct', kid: 'x', k: Buffer.alloc(16).toString('base64url') }),
  )
  assert.throws(() => loadDerivedKeys(empty), {
    code: 'ERR_SECRET_INVALID',
    message: /k: must hold 32 bytes/,
  })
})

test('a forbidden algorithm in the keystore is refused at load', async () => {
  await writeKey('RS256')
  assert.throws(() => loadSigningKeys(dir), {
    code: 'ERR_IDP_KEYSTORE',
    message: /forbidden alg RS256/,
  })
})

test('rotation keeps the current and the previous key, newest first, and follows the PKI file', async () => {
  const initial = await writeKey('ES256')
  const publicFile = join(dir, 'public.json')
  writeFileSync(
    publicFile,
    JSON.stringify({
      keys: [
        { kid: initial.kid, use: 'sig' },
        { kid: 'enc-1', use: 'enc' },
      ],
    }),
  )
  const first = await rotateSigningKeys(dir, publicFile)
  assert.deepEqual(first.published, [first.current, initial.kid])
  assert.deepEqual(first.retired, [])
  assert.deepEqual(
    loadSigningKeys(dir).map((k) => k.kid),
    [first.current, initial.kid],
  )
  assert.equal(
    JSON.parse(readFileSync(join(dir, 'signing-key.jwk.json'), 'utf8')).kid,
    first.current,
  )
  const published = JSON.parse(readFileSync(publicFile, 'utf8')) as {
    keys: Record<string, unknown>[]
  }
  assert.deepEqual(
    published.keys.map((k) => k.kid),
    [first.current, initial.kid, 'enc-1'],
  )
  assert.ok(published.keys.every((k) => !('d' in k)))

  const second = await rotateSigningKeys(dir)
  assert.deepEqual(second.published, [second.current, first.current])
  assert.deepEqual(second.retired, [initial.kid])
})
