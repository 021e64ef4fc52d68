import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import { deriveKeys } from '../../../src/keys/derived-keys.ts'
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

test('derived keys differ per purpose and per input', () => {
  const a = deriveKeys(Buffer.alloc(32, 1))
  const b = deriveKeys(Buffer.alloc(32, 2))
  assert.notDeepEqual(a.cookies, a.totpSeal)
  assert.notDeepEqual(a.totpSeal, a.csrf)
  assert.notDeepEqual(a.totpSeal, b.totpSeal)
  assert.equal(a.totpSeal.length, 32)
  assert.throws(() => deriveKeys(Buffer.alloc(8)), { code: 'ERR_IDP_KEYSTORE' })
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
