import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { readJsonSecret, readSecretFile, SecretFileError } from '../src/index.ts'

const databaseSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  user: z.string(),
  password: z.string(),
})

describe('secret files', () => {
  let dir: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mythical-secrets-'))
    writeFileSync(
      join(dir, 'tls.key'),
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    )
    writeFileSync(join(dir, 'empty.pem'), '\n')
    writeFileSync(
      join(dir, 'database.json'),
      JSON.stringify({
        host: '127.0.0.1',
        port: 55432,
        database: 'orders',
        user: 'orders_api',
        password: 'pw-1',
      }),
    )
    writeFileSync(join(dir, 'broken.json'), '{"password": "hunter2"')
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ host: 'h', port: 'hunter2' }))
    writeFileSync(join(dir, 'locked.pem'), 'x')
    chmodSync(join(dir, 'locked.pem'), 0o000)
  })

  after(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  /** Asserts a SecretFileError with the code and that the message hides `secret`. */
  function assertSecretError(fn: () => unknown, code: string, message: string, secret?: string) {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof SecretFileError)
      assert.equal(err.code, code)
      assert.equal(err.message, message)
      assert.equal(err.cause, undefined)
      if (secret) assert.equal(err.message.includes(secret), false)
      return true
    })
  }

  it('reads a secret file', () => {
    assert.match(readSecretFile(dir, 'tls.key'), /^-----BEGIN PRIVATE KEY-----/)
  })

  it('reads and validates a JSON secret', () => {
    assert.deepEqual(readJsonSecret(dir, 'database.json', databaseSchema), {
      host: '127.0.0.1',
      port: 55432,
      database: 'orders',
      user: 'orders_api',
      password: 'pw-1',
    })
  })

  it('names a missing file', () => {
    assertSecretError(
      () => readSecretFile(dir, 'amqp.json'),
      'ERR_SECRET_MISSING',
      `Secret file ${join(dir, 'amqp.json')} does not exist`,
    )
  })

  it('refuses an empty file', () => {
    assertSecretError(
      () => readSecretFile(dir, 'empty.pem'),
      'ERR_SECRET_EMPTY',
      `Secret file ${join(dir, 'empty.pem')} is empty`,
    )
  })

  it(
    'reports an unreadable file without its content',
    { skip: process.getuid?.() === 0 && 'root reads mode 000 files' },
    () => {
      assertSecretError(
        () => readSecretFile(dir, 'locked.pem'),
        'ERR_SECRET_UNREADABLE',
        `Secret file ${join(dir, 'locked.pem')} cannot be read (EACCES)`,
      )
    },
  )

  it('reports a directory as unreadable', () => {
    assertSecretError(
      () => readSecretFile(join(dir, '..'), dir.split('/').at(-1) ?? ''),
      'ERR_SECRET_UNREADABLE',
      `Secret file ${dir} cannot be read (EISDIR)`,
    )
  })

  for (const file of ['../orders-api/tls.key', 'sub/tls.key', '..', '.', '', '/etc/passwd']) {
    it(`refuses the file name ${JSON.stringify(file)}`, () => {
      assertSecretError(
        () => readSecretFile(dir, file),
        'ERR_SECRET_NAME_INVALID',
        `Secret file name "${file}" must be a bare file name`,
      )
    })
  }

  it('reports malformed JSON without quoting it', () => {
    assertSecretError(
      () => readJsonSecret(dir, 'broken.json', databaseSchema),
      'ERR_SECRET_INVALID',
      `Secret file ${join(dir, 'broken.json')} is not valid JSON`,
      'hunter2',
    )
  })

  it('names invalid fields without their values', () => {
    assert.throws(
      () => readJsonSecret(dir, 'wrong.json', databaseSchema),
      (err: unknown) => {
        assert.ok(err instanceof SecretFileError)
        assert.equal(err.code, 'ERR_SECRET_INVALID')
        assert.match(err.message, /is invalid: port: .*; database: .*; user: .*; password: /)
        assert.equal(err.message.includes('hunter2'), false)
        return true
      },
    )
  })
})
