import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { DATA_KEY_FILE, derivePurposeKey, loadDataKey } from '../src/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'data-key-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const write = (jwk: unknown) => writeFileSync(join(dir, DATA_KEY_FILE), JSON.stringify(jwk))
const k = (bytes: number, fill = 1) => Buffer.alloc(bytes, fill).toString('base64url')

test('loads a 256-bit oct JWK with its kid', () => {
  write({ kty: 'oct', kid: 'dk-1', k: k(32) })
  assert.deepEqual(loadDataKey(dir), { kid: 'dk-1', bytes: Buffer.alloc(32, 1) })
})

test('refuses a missing file, a short key, a key pair or a key without kid, naming no value', () => {
  assert.throws(() => loadDataKey(join(dir, 'nowhere')), { code: 'ERR_SECRET_MISSING' })
  for (const [jwk, field] of [
    [{ kty: 'oct', kid: 'dk-1', k: k(16, 9) }, /k: must hold 32 bytes/],
    [{ kty: 'EC', kid: 'dk-1', k: k(32, 9) }, /kty/],
    [{ kty: 'oct', k: k(32, 9) }, /kid/],
    [{ kty: 'oct', kid: 'dk-1', k: 'not base64url!' }, /k: must be base64url/],
  ] as const) {
    write(jwk)
    assert.throws(
      () => loadDataKey(dir),
      (err: Error & { code?: string }) =>
        err.code === 'ERR_SECRET_INVALID' &&
        field.test(err.message) &&
        !err.message.includes(k(16, 9)),
    )
  }
})

test('purpose keys are 32 bytes, distinct per label and per data key, and carry the kid', () => {
  const one = { kid: 'dk-1', bytes: Buffer.alloc(32, 1) }
  const two = { kid: 'dk-2', bytes: Buffer.alloc(32, 2) }
  const a = derivePurposeKey(one, 'mythical-idp/csrf/v1')
  assert.equal(a.key.length, 32)
  assert.equal(a.kid, 'dk-1')
  assert.deepEqual(derivePurposeKey(one, 'mythical-idp/csrf/v1'), a, 'deterministic')
  assert.notDeepEqual(derivePurposeKey(one, 'mythical-idp/cookies/v1').key, a.key)
  assert.notDeepEqual(derivePurposeKey(two, 'mythical-idp/csrf/v1').key, a.key)
  assert.notDeepEqual(a.key, one.bytes, 'never the data key itself')
})

test('an empty label or a data key of the wrong size is refused', () => {
  assert.throws(() => derivePurposeKey({ kid: 'x', bytes: Buffer.alloc(32) }, ''), TypeError)
  assert.throws(() => derivePurposeKey({ kid: 'x', bytes: Buffer.alloc(16) }, 'p'), TypeError)
})
