/**
 * TB12, least privilege: each service's role reaches its own database only, owns nothing, holds
 * no elevated attribute and only the DML its migrations grant. Another service's tables stay out
 * of reach even if CONNECT were granted by mistake.
 */
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { readDatabaseCredentials } from '@mythical/db'
import { SERVICES, principalName } from '@mythical/stack'
import {
  asAdmin,
  connectionError,
  secretsOf,
  serviceClient,
  usePostgres,
  using,
} from './helpers.ts'

const DATABASE_SERVICES = SERVICES.filter((s) => s.database !== undefined)

describe('PostgreSQL least privilege (TB12)', () => {
  let teardown: () => Promise<void>
  before(async () => {
    ;({ teardown } = await usePostgres())
  })
  after(() => teardown())

  it('writes each service its own database.json (0600) naming its role and database, no password', async () => {
    for (const service of DATABASE_SERVICES) {
      const file = join(secretsOf(service.name), 'database.json')
      const credentials = readDatabaseCredentials(secretsOf(service.name))
      assert.equal(credentials.user, principalName(service.name))
      assert.equal(credentials.database, service.database)
      assert.deepEqual([credentials.host, credentials.port], ['127.0.0.1', 55432])
      assert.deepEqual(Object.keys(JSON.parse(await readFile(file, 'utf8'))).sort(), [
        'database',
        'host',
        'port',
        'user',
      ])
      assert.equal((await stat(file)).mode & 0o777, 0o600, file)
    }
  })

  it('refuses orders_api on the customers database (permission denied for database)', async () => {
    const error = await connectionError(serviceClient('orders-api', { database: 'customers' }))
    assert.equal(error.code, '42501')
    assert.match(error.message, /permission denied for database "customers"/)
  })

  it('refuses orders_api on the maintenance database postgres', async () => {
    const error = await connectionError(serviceClient('orders-api', { database: 'postgres' }))
    assert.equal(error.code, '42501')
    assert.match(error.message, /permission denied for database "postgres"/)
  })

  it("gives orders_api no access to customers' tables, even inside that database", async () => {
    // Simulates a mis-granted CONNECT: the superuser becomes orders_api inside `customers`.
    await asAdmin('customers', async (admin) => {
      const { rows } = await admin.query<{ table: string; granted: boolean }>(
        `SELECT t AS table, has_table_privilege('orders_api', 'public.' || t,
                  'SELECT, INSERT, UPDATE, DELETE') AS granted
           FROM unnest(ARRAY['customers', 'loyalty_ledger']) AS t`,
      )
      assert.deepEqual(rows, [
        { table: 'customers', granted: false },
        { table: 'loyalty_ledger', granted: false },
      ])
      await admin.query('SET ROLE orders_api')
      for (const table of ['customers', 'loyalty_ledger']) {
        await assert.rejects(admin.query(`SELECT * FROM public.${table}`), {
          code: '42501',
          message: 'permission denied for schema public',
        })
      }
    })
  })

  it('lets a service role neither create tables nor delete rows in its own database', async () => {
    await using(serviceClient('orders-api'), async (client) => {
      await assert.rejects(client.query('CREATE TABLE sneaky (id int)'), {
        code: '42501',
        message: /permission denied for schema public/,
      })
      await assert.rejects(client.query('DELETE FROM orders'), {
        code: '42501',
        message: /permission denied for table orders/,
      })
      await assert.rejects(client.query('SELECT * FROM schema_migrations'), {
        code: '42501',
        message: /permission denied for table schema_migrations/,
      })
    })
  })

  it('gives every service role no elevated attribute and no role membership', async () => {
    const roles = DATABASE_SERVICES.map((s) => principalName(s.name))
    const { rows } = await asAdmin('postgres', (admin) =>
      admin.query<{ rolname: string; elevated: boolean; memberships: number }>(
        `SELECT r.rolname,
                (r.rolsuper OR r.rolbypassrls OR r.rolcreatedb OR r.rolcreaterole
                  OR r.rolreplication OR r.rolinherit) AS elevated,
                (SELECT count(*)::int FROM pg_auth_members m WHERE m.member = r.oid) AS memberships
           FROM pg_roles r WHERE r.rolname = ANY($1) ORDER BY r.rolname`,
        [roles],
      ),
    )
    assert.deepEqual(
      rows,
      [...roles].sort().map((rolname) => ({ rolname, elevated: false, memberships: 0 })),
    )
  })

  it('has every table owned by the NOLOGIN owner role, never by the service role', async () => {
    for (const service of DATABASE_SERVICES) {
      const database = service.database as string
      const { rows } = await asAdmin(database, (admin) =>
        admin.query<{ owner: string; canlogin: boolean }>(
          `SELECT DISTINCT r.rolname AS owner, r.rolcanlogin AS canlogin
             FROM pg_tables t JOIN pg_roles r ON r.rolname = t.tableowner
            WHERE t.schemaname = 'public'`,
        ),
      )
      assert.deepEqual(rows, [{ owner: `${database}_owner`, canlogin: false }], database)
    }
  })

  it('rewrites a database.json and a role left with a password by an older stack', async () => {
    const file = join(secretsOf('orders-api'), 'database.json')
    const current = JSON.parse(await readFile(file, 'utf8'))
    await writeFile(file, JSON.stringify({ ...current, password: 'legacy-password' }), {
      mode: 0o600,
    })
    await asAdmin('postgres', (admin) =>
      admin.query("ALTER ROLE orders_api PASSWORD 'legacy-password'"),
    )
    await usePostgres()
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), current)
    assert.equal('password' in current, false)
    const { rows } = await asAdmin('postgres', (admin) =>
      admin.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'orders_api'"),
    )
    assert.deepEqual(rows, [{ rolpassword: null }])
    // A second run changes nothing and the certificate login still works.
    await usePostgres()
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), current)
    await using(serviceClient('orders-api'), (client) => client.query('SELECT 1'))
  })
})
