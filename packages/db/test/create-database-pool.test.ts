import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Pool } from 'pg'
import { createDatabasePool } from '../src/index.ts'

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const OTHER_CA = '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n'
const CERT = '-----BEGIN CERTIFICATE-----\nMIID\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n'

/** pg keeps `ssl.key` non-enumerable (so it never shows up in logs): read it directly. */
const keyOf = (pool: Pool) => (pool.options.ssl as { key?: string }).key

describe('createDatabasePool', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'db-pool-'))
    await writeFile(
      join(dir, 'database.json'),
      JSON.stringify({
        host: '127.0.0.1',
        port: 55432,
        database: 'orders',
        user: 'orders_api',
      }),
    )
    await writeFile(join(dir, 'ca.pem'), CA)
    await writeFile(join(dir, 'tls.crt'), CERT)
    await writeFile(join(dir, 'tls.key'), KEY)
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it("connects as the service's own role with its workload certificate, verifying the server against ca.pem", async () => {
    const pool = createDatabasePool(dir, { max: 2 })
    try {
      const { host, port, database, user, ssl, max, application_name } = pool.options
      assert.deepEqual(
        { host, port, database, user, ssl, max, application_name },
        {
          host: '127.0.0.1',
          port: 55432,
          database: 'orders',
          user: 'orders_api',
          ssl: { ca: CA, cert: CERT, rejectUnauthorized: true },
          max: 2,
          application_name: 'orders_api',
        },
      )
      assert.equal(keyOf(pool), KEY)
    } finally {
      await pool.end()
    }
  })

  it('never sends a password left in a database.json written before certificate logins', async () => {
    const legacy = await mkdtemp(join(tmpdir(), 'db-pool-legacy-'))
    try {
      const credentials = { host: 'h', port: 1, database: 'd', user: 'u', password: 'old-pw' }
      await writeFile(join(legacy, 'database.json'), JSON.stringify(credentials))
      for (const [name, pem] of [
        ['ca.pem', CA],
        ['tls.crt', CERT],
        ['tls.key', KEY],
      ] as const) {
        await writeFile(join(legacy, name), pem)
      }
      const pool = createDatabasePool(legacy)
      try {
        assert.equal(pool.options.user, 'u')
        assert.equal(pool.options.password, undefined)
      } finally {
        await pool.end()
      }
    } finally {
      await rm(legacy, { recursive: true, force: true })
    }
  })

  it('pins another CA when asked, still verifying', async () => {
    await writeFile(join(dir, 'retail-ca.pem'), OTHER_CA)
    const pool = createDatabasePool(dir, { serverCaFile: join(dir, 'retail-ca.pem') })
    try {
      assert.deepEqual(pool.options.ssl, { ca: OTHER_CA, cert: CERT, rejectUnauthorized: true })
      assert.equal(keyOf(pool), KEY)
    } finally {
      await pool.end()
    }
  })

  it('refuses a missing serverCaFile', () => {
    assert.throws(() => createDatabasePool(dir, { serverCaFile: join(dir, 'nope.pem') }), {
      code: 'ERR_DB_CREDENTIALS_INVALID',
      message: `cannot read ${join(dir, 'nope.pem')}`,
    })
  })

  for (const missing of ['ca.pem', 'tls.crt', 'tls.key']) {
    it(`refuses a folder without ${missing}`, async () => {
      const partial = await mkdtemp(join(tmpdir(), 'db-pool-partial-'))
      try {
        await writeFile(
          join(partial, 'database.json'),
          JSON.stringify({ host: 'h', port: 1, database: 'd', user: 'u' }),
        )
        for (const [name, pem] of [
          ['ca.pem', CA],
          ['tls.crt', CERT],
          ['tls.key', KEY],
        ] as const) {
          if (name !== missing) await writeFile(join(partial, name), pem)
        }
        assert.throws(() => createDatabasePool(partial), {
          code: 'ERR_DB_CREDENTIALS_INVALID',
          message: `cannot read ${join(partial, missing)}`,
        })
      } finally {
        await rm(partial, { recursive: true, force: true })
      }
    })
  }

  it('refuses bad options', () => {
    for (const max of [0, -1, 1.5]) {
      assert.throws(() => createDatabasePool(dir, { max }), {
        name: 'TypeError',
        message: '"max" option must be a positive integer',
      })
    }
    assert.throws(() => createDatabasePool(dir, { serverCaFile: '' }), {
      name: 'TypeError',
      message: '"serverCaFile" option must be a non-empty path',
    })
  })
})
