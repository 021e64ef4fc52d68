/**
 * Migrations: plain SQL files applied once each, in order, inside a transaction, recorded with
 * their checksum; an edited applied file stops the run; provisioning twice applies nothing.
 */
import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { applyMigrations } from '@mythical/db'
import { SERVICES } from '@mythical/stack'
import { provisionPostgres } from '../../../src/postgres/index.ts'
import { asAdmin, paths, usePostgres } from './helpers.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describe('PostgreSQL migrations', () => {
  let teardown: () => Promise<void>
  before(async () => {
    ;({ teardown } = await usePostgres())
  })
  after(() => teardown())

  describe('provisioning', () => {
    it('records every applied file of orders-api with its checksum', async () => {
      const folder = join(paths.root, 'services/orders-api/migrations')
      const files = (await readdir(folder)).filter((name) => name.endsWith('.sql')).sort()
      const expected = await Promise.all(
        files.map(async (name) => ({
          name,
          checksum: sha256(await readFile(join(folder, name), 'utf8')),
        })),
      )
      const { rows } = await asAdmin('orders', (admin) =>
        admin.query('SELECT name, checksum FROM schema_migrations ORDER BY name'),
      )
      assert.ok(expected.length > 0)
      assert.deepEqual(rows, expected)
    })

    it('applies nothing on a second run and leaves the history untouched', async () => {
      const history = () =>
        asAdmin(
          'customers',
          async (admin) =>
            (await admin.query('SELECT * FROM schema_migrations ORDER BY name')).rows,
        )
      const before = await history()
      const report = await provisionPostgres(paths)
      // One report per system of record in the manifest.
      assert.equal(report.length, SERVICES.filter((s) => s.database).length)
      assert.deepEqual(
        report.filter((r) => r.applied.length > 0),
        [],
      )
      assert.deepEqual(await history(), before)
    })
  })

  describe('applyMigrations', () => {
    const database = `migrations_test_${randomUUID().slice(0, 8)}`
    let dir: string
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'migrations-'))
      await asAdmin('postgres', (admin) => admin.query(`CREATE DATABASE ${database}`))
    })
    after(async () => {
      await asAdmin('postgres', (admin) => admin.query(`DROP DATABASE IF EXISTS ${database}`))
      await rm(dir, { recursive: true, force: true })
    })
    const migrate = (folder = dir) => asAdmin(database, (admin) => applyMigrations(admin, folder))
    const tables = () =>
      asAdmin(database, async (admin) =>
        (
          await admin.query<{ name: string }>(
            `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
          )
        ).rows.map((r) => r.name),
      )

    it('applies files in name order, then nothing the second time', async () => {
      // 0002 depends on 0001: applying out of order would fail.
      await writeFile(join(dir, '0002_lines.sql'), 'CREATE TABLE lines (id int REFERENCES things);')
      await writeFile(join(dir, '0001_things.sql'), 'CREATE TABLE things (id int PRIMARY KEY);')
      await writeFile(join(dir, 'README.md'), 'not a migration')
      assert.deepEqual(await migrate(), { applied: ['0001_things.sql', '0002_lines.sql'] })
      assert.deepEqual(await migrate(), { applied: [] })
      assert.deepEqual(await tables(), ['lines', 'schema_migrations', 'things'])
    })

    it('rolls back and does not record a failing file', async () => {
      await writeFile(
        join(dir, '0003_broken.sql'),
        'CREATE TABLE half_done (id int); SELECT * FROM no_such_table;',
      )
      await assert.rejects(migrate(), {
        code: 'ERR_DB_MIGRATION_FAILED',
        migration: '0003_broken.sql',
        message: 'migration 0003_broken.sql failed: relation "no_such_table" does not exist',
      })
      assert.deepEqual(await tables(), ['lines', 'schema_migrations', 'things'])
      await rm(join(dir, '0003_broken.sql'))
    })

    it('refuses to continue when an applied file was edited', async () => {
      await writeFile(join(dir, '0001_things.sql'), 'CREATE TABLE things (id bigint PRIMARY KEY);')
      await writeFile(join(dir, '0003_more.sql'), 'CREATE TABLE more (id int);')
      await assert.rejects(migrate(), {
        code: 'ERR_DB_MIGRATION_CHECKSUM_MISMATCH',
        migration: '0001_things.sql',
      })
      // Nothing after the drift was applied either.
      assert.deepEqual(await tables(), ['lines', 'schema_migrations', 'things'])
    })

    it('refuses a .sql file that is not named NNNN_name.sql', async () => {
      const other = await mkdtemp(join(tmpdir(), 'migrations-bad-'))
      try {
        await writeFile(join(other, 'add_things.sql'), 'SELECT 1;')
        await assert.rejects(migrate(other), {
          code: 'ERR_DB_MIGRATION_NAME_INVALID',
          message: `migration add_things.sql in ${other} must be named NNNN_lower_snake_name.sql`,
        })
      } finally {
        await rm(other, { recursive: true, force: true })
      }
    })

    it('refuses a missing folder', async () => {
      await assert.rejects(migrate(join(dir, 'nope')), { code: 'ERR_DB_MIGRATIONS_NOT_FOUND' })
    })
  })
})
