import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { readMigrations } from '../src/lib/read-migrations.ts'

describe('readMigrations', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'read-migrations-'))
  })
  afterEach(() => rm(dir, { recursive: true, force: true }))

  it('returns the .sql files in name order with their SHA-256, ignoring other files', async () => {
    await writeFile(join(dir, '0010_later.sql'), 'SELECT 10;')
    await writeFile(join(dir, '0002_second.sql'), 'SELECT 2;')
    await writeFile(join(dir, 'README.md'), '# notes')
    const files = await readMigrations(dir)
    assert.deepEqual(files, [
      {
        name: '0002_second.sql',
        sql: 'SELECT 2;',
        checksum: createHash('sha256').update('SELECT 2;').digest('hex'),
      },
      {
        name: '0010_later.sql',
        sql: 'SELECT 10;',
        checksum: createHash('sha256').update('SELECT 10;').digest('hex'),
      },
    ])
  })

  for (const name of ['1_short.sql', '0001-dash.sql', '0001_Upper.sql', 'init.sql']) {
    it(`refuses the badly named ${name}`, async () => {
      await writeFile(join(dir, name), 'SELECT 1;')
      await assert.rejects(readMigrations(dir), {
        code: 'ERR_DB_MIGRATION_NAME_INVALID',
        message: `migration ${name} in ${dir} must be named NNNN_lower_snake_name.sql`,
      })
    })
  }

  it('refuses a missing folder', async () => {
    await assert.rejects(readMigrations(join(dir, 'missing')), {
      code: 'ERR_DB_MIGRATIONS_NOT_FOUND',
      message: `migrations folder ${join(dir, 'missing')} cannot be read`,
    })
  })
})
