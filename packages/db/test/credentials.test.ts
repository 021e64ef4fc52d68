import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parseDatabaseCredentials, readDatabaseCredentials } from '../src/index.ts'

const valid = {
  host: '127.0.0.1',
  port: 55432,
  database: 'orders',
  user: 'orders_api',
}

describe('parseDatabaseCredentials', () => {
  it('accepts the documented shape and drops anything else', () => {
    assert.deepEqual(parseDatabaseCredentials({ ...valid, sslmode: 'disable' }, 'x'), valid)
  })

  it('needs no password, and drops one left by a file written before certificate logins', () => {
    const parsed = parseDatabaseCredentials({ ...valid, password: 'old-password' }, 'x')
    assert.deepEqual(parsed, valid)
    assert.equal('password' in parsed, false)
  })

  for (const field of ['host', 'database', 'user'] as const) {
    it(`refuses a missing or empty "${field}"`, () => {
      for (const value of [undefined, '', 42]) {
        assert.throws(() => parseDatabaseCredentials({ ...valid, [field]: value }, 'db.json'), {
          code: 'ERR_DB_CREDENTIALS_INVALID',
          message: `db.json: "${field}" must be a non-empty string`,
        })
      }
    })
  }

  it('refuses a port that is not an integer from 1 to 65535', () => {
    for (const port of ['55432', 0, 65536, 1.5, undefined]) {
      assert.throws(() => parseDatabaseCredentials({ ...valid, port }, 'db.json'), {
        code: 'ERR_DB_CREDENTIALS_INVALID',
        message: 'db.json: "port" must be an integer from 1 to 65535',
      })
    }
  })

  it('refuses a non-object', () => {
    for (const value of [null, [], 'text']) {
      assert.throws(() => parseDatabaseCredentials(value, 'db.json'), {
        code: 'ERR_DB_CREDENTIALS_INVALID',
        message: 'db.json must hold a JSON object',
      })
    }
  })
})

describe('readDatabaseCredentials', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'db-credentials-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('reads database.json from the secrets folder', async () => {
    await writeFile(join(dir, 'database.json'), JSON.stringify(valid))
    assert.deepEqual(readDatabaseCredentials(dir), valid)
  })

  it('refuses a missing file', () => {
    assert.throws(() => readDatabaseCredentials(join(dir, 'missing')), {
      code: 'ERR_DB_CREDENTIALS_INVALID',
      message: `cannot read ${join(dir, 'missing', 'database.json')}`,
    })
  })

  it('refuses broken JSON without quoting the file (an older one holds a password)', async () => {
    await writeFile(join(dir, 'database.json'), '{"password": "old-password",')
    assert.throws(
      () => readDatabaseCredentials(dir),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_DB_CREDENTIALS_INVALID')
        assert.equal(error.message, `${join(dir, 'database.json')} is not valid JSON`)
        assert.equal(error.cause, undefined)
        return true
      },
    )
  })
})
