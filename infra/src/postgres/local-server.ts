import { access, appendFile, chmod, mkdir, open, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { StackPaths } from '@mythical/stack'
import {
  ADMIN_USER,
  loadOrCreateAdminCredentials,
  type AdminCredentials,
} from './admin-credentials.ts'
import { findPostgresBinaries, type PostgresBinaries } from './binaries.ts'
import { connectAdmin } from './connect-admin.ts'
import { PostgresCommandFailed, PostgresSetupError } from './errors.ts'
import { postgresLayout, type PostgresLayout } from './layout.ts'
import { INCLUDE_LINE, syncServerFiles } from './server-files.ts'
import {
  giveToServerUser,
  runAsServerUser,
  serverUser,
  spawnAsServerUser,
  type ServerUser,
} from './server-user.ts'

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  )

/** Whether the stack's own cluster has been created (`initdb` done). */
const isInitialized = (layout: PostgresLayout) => exists(join(layout.data, 'PG_VERSION'))

/** Whether the stack's own cluster is running (`pg_ctl status`). */
export async function isLocalServerRunning(paths: StackPaths): Promise<boolean> {
  const layout = postgresLayout(paths)
  if (!(await isInitialized(layout))) return false
  const [bin, user] = await Promise.all([findPostgresBinaries(), serverUser()])
  const status = await spawnAsServerUser(
    user,
    bin.pgCtl,
    ['status', '-D', layout.data],
    layout.root,
  )
  return status.code === 0
}

/**
 * Creates (first time) and starts the stack's own cluster, detached, then waits until it accepts
 * a verified TLS login. When it already runs, only changed certificates or settings are applied
 * (`pg_ctl reload`), which is how renewed short-lived certificates reach the server.
 */
export async function startLocalServer(paths: StackPaths): Promise<void> {
  const layout = postgresLayout(paths)
  const [bin, user] = await Promise.all([findPostgresBinaries(), serverUser()])
  await prepareFolders(paths, layout, user)
  const admin = await loadOrCreateAdminCredentials(layout)
  if (!(await isInitialized(layout))) await initCluster(bin, layout, user, admin)
  await ensureIncluded(layout)
  const changed = await syncServerFiles(layout, user)
  if (await isLocalServerRunning(paths)) {
    if (changed) await runAsServerUser(user, bin.pgCtl, ['reload', '-D', layout.data], layout.root)
  } else {
    await startCluster(bin, layout, user)
  }
  await waitForTlsLogin(layout, admin)
}

/**
 * Applies certificates renewed since the start (and changed settings) to the running cluster with
 * a reload: PostgreSQL re-reads its certificate on SIGHUP, sessions stay open. Provisioning calls
 * it, so a long-running server never serves an expired 24-hour certificate.
 */
export async function refreshLocalServer(paths: StackPaths): Promise<void> {
  if (!(await isLocalServerRunning(paths))) return
  const layout = postgresLayout(paths)
  const [bin, user] = await Promise.all([findPostgresBinaries(), serverUser()])
  if (await syncServerFiles(layout, user)) {
    await runAsServerUser(user, bin.pgCtl, ['reload', '-D', layout.data], layout.root)
  }
}

/** Stops the stack's own cluster (fast shutdown: open sessions are rolled back) and waits for it. */
export async function stopLocalServer(paths: StackPaths): Promise<void> {
  if (!(await isLocalServerRunning(paths))) return
  const layout = postgresLayout(paths)
  const [bin, user] = await Promise.all([findPostgresBinaries(), serverUser()])
  await runAsServerUser(
    user,
    bin.pgCtl,
    ['stop', '-D', layout.data, '-m', 'fast', '-w'],
    layout.root,
  )
}

async function prepareFolders(
  paths: StackPaths,
  layout: PostgresLayout,
  user: ServerUser,
): Promise<void> {
  await mkdir(paths.stack, { recursive: true })
  if (user.switchUser) {
    // The server's OS user must traverse .stack/ to reach its own folder (x only, no listing).
    const { mode } = await stat(paths.stack)
    if ((mode & 0o001) === 0) await chmod(paths.stack, (mode & 0o7777) | 0o001)
  }
  for (const dir of [layout.root, layout.data, layout.socketDir]) {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    await chmod(dir, 0o700)
    await giveToServerUser(user, dir)
  }
  await mkdir(paths.logs, { recursive: true })
  await (await open(layout.log, 'a', 0o640)).close()
  await giveToServerUser(user, layout.log)
  const reachable = await spawnAsServerUser(user, 'test', ['-w', layout.data], layout.root)
  if (reachable.code !== 0) {
    throw new PostgresSetupError(
      `the "${user.name}" OS user cannot reach ${layout.data}: make its parent folders traversable (chmod o+x)`,
    )
  }
}

async function initCluster(
  bin: PostgresBinaries,
  layout: PostgresLayout,
  user: ServerUser,
  admin: AdminCredentials,
): Promise<void> {
  // initdb reads the superuser password from a file: never on a command line (visible in ps).
  const pwfile = join(layout.root, '.initdb-password')
  const handle = await open(pwfile, 'w', 0o600)
  await handle.writeFile(admin.password)
  await handle.close()
  await giveToServerUser(user, pwfile)
  try {
    await runAsServerUser(
      user,
      bin.initdb,
      [
        '-D',
        layout.data,
        `--username=${ADMIN_USER}`,
        `--pwfile=${pwfile}`,
        // No trust phase, not even during initdb: pg_hba.conf is replaced right after anyway.
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        '--no-instructions',
      ],
      layout.root,
    )
  } finally {
    await rm(pwfile, { force: true })
  }
}

async function ensureIncluded(layout: PostgresLayout): Promise<void> {
  const conf = join(layout.data, 'postgresql.conf')
  const text = await readFile(conf, 'utf8')
  if (!text.split('\n').includes(INCLUDE_LINE)) await appendFile(conf, `\n${INCLUDE_LINE}\n`)
}

async function startCluster(
  bin: PostgresBinaries,
  layout: PostgresLayout,
  user: ServerUser,
): Promise<void> {
  try {
    // pg_ctl detaches the postmaster (own session, stdio to the log), so it outlives this process.
    await runAsServerUser(
      user,
      bin.pgCtl,
      ['start', '-w', '-t', '60', '-D', layout.data, '-l', layout.log],
      layout.root,
    )
  } catch (error) {
    const log = await readFile(layout.log, 'utf8').catch(() => '')
    throw new PostgresCommandFailed(
      `PostgreSQL did not start; end of ${layout.log}:\n${log.trim().split('\n').slice(-10).join('\n')}`,
      { cause: error },
    )
  }
}

async function waitForTlsLogin(layout: PostgresLayout, admin: AdminCredentials): Promise<void> {
  let lastError: unknown
  for (let attempt = 0; attempt < 20; attempt += 1) {
    try {
      const client = await connectAdmin(layout, admin)
      await client.end()
      return
    } catch (error) {
      lastError = error
      await sleep(250)
    }
  }
  throw new PostgresSetupError(
    `PostgreSQL runs but refuses the TLS admin login: see ${layout.log}`,
    {
      cause: lastError,
    },
  )
}
