/**
 * The stack's own PostgreSQL instance: dedicated data directory and port, loopback only, mutual
 * TLS 1.3 only, no trust and no socket logins, idempotent lifecycle, and hands off when
 * DATABASE_ADMIN_URL names someone else's server.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { stackPaths } from '@mythical/stack'
import { loadOrCreateAdminCredentials } from '../../../src/postgres/admin-credentials.ts'
import { resolveAdmin } from '../../../src/postgres/admin-target.ts'
import { renderIdentFile } from '../../../src/postgres/ident-map.ts'
import {
  findPostgresBinaries,
  parseAdminUrl,
  postgresLayout,
  postgresServer,
} from '../../../src/postgres/index.ts'
import { withSetupLock } from '../../../src/postgres/setup-lock.ts'
import { asAdmin, connectionError, layout, paths, usePostgres } from './helpers.ts'

const postmasterPid = async () =>
  Number((await readFile(join(layout.data, 'postmaster.pid'), 'utf8')).split('\n')[0])

/** pg_ctl returns once postmaster.pid is gone, a moment before the process itself ends. */
async function exited(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i += 1) {
    try {
      process.kill(pid, 0)
    } catch {
      return true
    }
    await sleep(100)
  }
  return false
}

/** Whether the server log, from byte `offset` on, shows `pattern` within a few seconds. */
async function logSince(offset: number, pattern: RegExp): Promise<boolean> {
  for (let i = 0; i < 50; i += 1) {
    const log = await readFile(layout.log)
    if (pattern.test(log.subarray(offset).toString('utf8'))) return true
    await sleep(100)
  }
  return false
}

describe('PostgreSQL server', () => {
  let teardown: () => Promise<void>
  let wasRunning: boolean
  before(async () => {
    wasRunning = await postgresServer.isRunning(paths)
    ;({ teardown } = await usePostgres())
  })
  after(() => teardown())

  it('runs its own cluster under .stack/postgres on the manifest port, loopback only', async () => {
    const settings = await asAdmin('postgres', async (admin) => {
      const { rows } = await admin.query<{ name: string; setting: string }>(
        `SELECT name, setting FROM pg_settings WHERE name = ANY($1) ORDER BY name`,
        [
          [
            'data_directory',
            'listen_addresses',
            'password_encryption',
            'port',
            'ssl',
            'ssl_min_protocol_version',
          ],
        ],
      )
      return Object.fromEntries(rows.map((r) => [r.name, r.setting]))
    })
    assert.deepEqual(settings, {
      data_directory: layout.data,
      listen_addresses: '127.0.0.1',
      password_encryption: 'scram-sha-256',
      port: '55432',
      ssl: 'on',
      ssl_min_protocol_version: 'TLSv1.3',
    })
  })

  it('has no trust line in pg_hba.conf: admin SCRAM + certificate, workloads by mapped certificate', async () => {
    const rules = await asAdmin('postgres', async (admin) => {
      const { rows } = await admin.query<{
        type: string
        user_name: string[]
        address: string | null
        auth_method: string
        options: string[] | null
      }>(
        `SELECT type, user_name, address, auth_method, options
           FROM pg_hba_file_rules WHERE error IS NULL ORDER BY line_number`,
      )
      return rows
    })
    const admin = { user_name: ['postgres'], auth_method: 'scram-sha-256' }
    // PostgreSQL 15's view omits clientname=DN; the DN logins in certificate-binding.test.ts prove it.
    const workloads = {
      user_name: ['all'],
      auth_method: 'cert',
      options: ['map=workloads', 'clientcert=verify-full'],
    }
    const reject = { user_name: ['all'], auth_method: 'reject', options: null }
    assert.deepEqual(rules, [
      { type: 'hostssl', address: '127.0.0.1', ...admin, options: ['clientcert=verify-ca'] },
      { type: 'hostssl', address: '::1', ...admin, options: ['clientcert=verify-ca'] },
      { type: 'hostssl', address: '127.0.0.1', ...workloads },
      { type: 'hostssl', address: '::1', ...workloads },
      { type: 'hostnossl', address: '0.0.0.0', ...reject },
      { type: 'hostnossl', address: '::', ...reject },
      { type: 'local', address: null, ...reject },
    ])
  })

  it('maps each workload certificate DN to its own role in pg_ident.conf, as generated', async () => {
    const rules = await asAdmin('postgres', async (admin) => {
      const { rows } = await admin.query<{
        map_name: string
        sys_name: string
        pg_username: string
      }>(
        `SELECT map_name, sys_name, pg_username
           FROM pg_ident_file_mappings WHERE error IS NULL ORDER BY line_number`,
      )
      return rows
    })
    assert.ok(rules.length > 0)
    assert.deepEqual(
      rules.map((rule) => `${rule.map_name}  "${rule.sys_name}"  ${rule.pg_username}`),
      renderIdentFile()
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#')),
    )
  })

  it('refuses the superuser over the unix socket, even with the right password', async () => {
    const admin = await resolveAdmin(layout)
    const error = await connectionError(new pg.Client({ ...admin, host: layout.socketDir }))
    assert.equal(error.code, '28000')
    assert.match(error.message, /pg_hba\.conf rejects connection for host "\[local\]"/)
  })

  it('keeps the superuser password in admin.json, mode 0600', async () => {
    assert.equal((await stat(layout.adminCredentials)).mode & 0o777, 0o600)
    const admin = JSON.parse(await readFile(layout.adminCredentials, 'utf8'))
    assert.equal(admin.user, 'postgres')
    assert.match(admin.password, /^[\w-]{43}$/)
  })

  it('starts idempotently: a second start keeps the same server process', async () => {
    const pid = await postmasterPid()
    await postgresServer.start(paths)
    assert.equal(await postmasterPid(), pid)
    assert.equal(await postgresServer.isRunning(paths), true)
  })

  for (const [step, run] of [
    ['start', () => postgresServer.start(paths)],
    ['provision', () => postgresServer.provision(paths)],
  ] as const) {
    it(`applies a renewed certificate on ${step} by reloading, not restarting`, async () => {
      // A copy that differs from the PKI's tls.crt stands in for a certificate renewed since start.
      const copy = join(layout.data, 'server.crt')
      const issued = await readFile(layout.tlsCert, 'utf8')
      await writeFile(copy, `${issued}\n`)
      const pid = await postmasterPid()
      const logOffset = (await stat(layout.log)).size
      await run()
      assert.equal(await readFile(copy, 'utf8'), issued)
      assert.equal(await postmasterPid(), pid)
      assert.equal(
        await logSince(logOffset, /received SIGHUP, reloading configuration files/),
        true,
      )
    })
  }

  it('stops without leaving a process behind and starts again', async (t) => {
    if (wasRunning) return t.skip('the server was already running: not stopping it under its users')
    const pid = await postmasterPid()
    await postgresServer.stop(paths)
    assert.equal(await postgresServer.isRunning(paths), false)
    assert.equal(await exited(pid), true, `postmaster ${pid} still alive`)
    await postgresServer.stop(paths) // idempotent
    await postgresServer.start(paths)
    assert.equal(await postgresServer.isRunning(paths), true)
  })

  describe('with DATABASE_ADMIN_URL (a server the stack does not run)', () => {
    let admin: { user: string; password: string }
    before(async () => {
      admin = JSON.parse(await readFile(layout.adminCredentials, 'utf8'))
      process.env.DATABASE_ADMIN_URL = `postgres://${admin.user}:${admin.password}@127.0.0.1:55432/postgres`
    })
    after(() => {
      delete process.env.DATABASE_ADMIN_URL
    })

    it('does not stop it, and reports it running when it answers', async () => {
      const pid = await postmasterPid()
      await postgresServer.stop(paths)
      await postgresServer.start(paths)
      assert.equal(await postmasterPid(), pid)
      assert.equal(await postgresServer.isRunning(paths), true)
    })

    it('reports it not running when it refuses the login', async () => {
      process.env.DATABASE_ADMIN_URL = `postgres://${admin.user}:wrong@127.0.0.1:55432/postgres`
      assert.equal(await postgresServer.isRunning(paths), false)
    })
  })

  describe('admin URL parsing', () => {
    it('reads user, password, host, port and database', () => {
      assert.deepEqual(
        parseAdminUrl('postgres://admin:p%40ss@postgres:5433/postgres?sslmode=verify-full'),
        {
          host: 'postgres',
          port: 5433,
          database: 'postgres',
          user: 'admin',
          password: 'p@ss',
        },
      )
    })

    for (const mode of ['disable', 'prefer', 'require', 'verify-ca']) {
      it(`refuses sslmode=${mode}`, () => {
        assert.throws(() => parseAdminUrl(`postgres://a:b@db/postgres?sslmode=${mode}`), {
          code: 'ERR_POSTGRES_ADMIN_URL_INVALID',
          message: `DATABASE_ADMIN_URL sslmode=${mode} is not allowed: connections always use verify-full`,
        })
      })
    }

    it('refuses a URL without a password, without echoing it', () => {
      assert.throws(() => parseAdminUrl('postgres://admin@db/postgres'), {
        code: 'ERR_POSTGRES_ADMIN_URL_INVALID',
        message: 'DATABASE_ADMIN_URL must name a user, a password and a host',
      })
    })
  })

  describe('set-up state', () => {
    let root: string
    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'pg-state-'))
    })
    after(() => rm(root, { recursive: true, force: true }))

    it('refuses to provision a server that was never started', async () => {
      await assert.rejects(postgresServer.provision(stackPaths(root)), {
        code: 'ERR_POSTGRES_ADMIN_CREDENTIALS_MISSING',
        message: `${postgresLayout(stackPaths(root)).adminCredentials} does not exist: start the server before provisioning it`,
      })
    })

    it('refuses a cluster whose superuser password file is gone', async () => {
      const lost = postgresLayout(stackPaths(root))
      await mkdir(lost.data, { recursive: true })
      await writeFile(join(lost.data, 'PG_VERSION'), '15\n')
      await assert.rejects(loadOrCreateAdminCredentials(lost), {
        code: 'ERR_POSTGRES_ADMIN_CREDENTIALS_MISSING',
        message: `${lost.adminCredentials} is missing but ${lost.data} exists: delete ${lost.root} to re-create the cluster`,
      })
    })

    it('takes over a set-up lock left by a dead process', async () => {
      const lock = join(root, 'run', 'postgres.lock')
      const child = spawn(process.execPath, ['-e', ''])
      await once(child, 'exit')
      await mkdir(join(root, 'run'), { recursive: true })
      await writeFile(lock, String(child.pid))
      assert.equal(await withSetupLock(lock, async () => 'ran'), 'ran')
      await assert.rejects(stat(lock), { code: 'ENOENT' })
    })
  })

  describe('binaries', () => {
    it('finds the newest installed server', async () => {
      const found = await findPostgresBinaries()
      assert.ok(found.major >= 15)
      assert.equal(found.pgCtl, `/usr/lib/postgresql/${found.major}/bin/pg_ctl`)
    })

    it('tells which package to install when there is none', async () => {
      const empty = await mkdtemp(join(tmpdir(), 'no-postgres-'))
      try {
        await assert.rejects(findPostgresBinaries(empty), {
          code: 'ERR_POSTGRES_BINARIES_NOT_FOUND',
          message: 'PostgreSQL server binaries not found: install the Debian package postgresql',
        })
      } finally {
        await rm(empty, { recursive: true, force: true })
      }
    })
  })
})
