/**
 * The integration tests' PostgreSQL and RabbitMQ as containers (`testcontainers`), for
 * `infra/test/global-setup.ts` when a Docker engine is reachable (`DOCKER_HOST`).
 *
 * Same server configuration as the local runner: the files are rendered by the same code
 * (`syncServerFiles`, `prepareNodeFiles`, `writeDefinitions`) from the same PKI, and mounted
 * read-only. The containers share the host's network namespace, so they listen on 127.0.0.1 at
 * the manifest's ports exactly like the local servers (pg_hba's loopback lines, the workload
 * certificates' 127.0.0.1 SAN and every service's credentials file hold unchanged). The stack's
 * provisioning then treats them as servers someone else runs (`DATABASE_ADMIN_URL`,
 * `AMQP_ADMIN_URL`, inherited by every test process): roles, databases and migrations through the
 * admin login; the broker imports its users, permissions and topology at boot.
 */
import { chmod, chown, mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { StartedTestContainer } from 'testcontainers'
import { INFRASTRUCTURE, type StackPaths } from '@mythical/stack'
import { ensurePki } from '../pki/index.ts'
import { loadOrCreateAdminCredentials } from '../postgres/admin-credentials.ts'
import { postgresLayout, postgresServer } from '../postgres/index.ts'
import { LOG_PRIVACY_SETTINGS, syncServerFiles } from '../postgres/server-files.ts'
import { rabbitmqServer } from '../rabbitmq/index.ts'
import { nodeEnvironment, rabbitmqLayout } from '../rabbitmq/layout.ts'
import { prepareNodeFiles } from '../rabbitmq/prepare-node.ts'
import { LOCAL_BROKER_LOCATION, writeDefinitions } from '../rabbitmq/write-definitions.ts'
import { POSTGRES_IMAGE, RABBITMQ_IMAGE } from '../compose/images.ts'
import { DockerPathError } from './errors.ts'

/** uid:gid of the server accounts in the postgres and rabbitmq images (official and stand-in). */
const IMAGE_SERVER_USER = { uid: 999, gid: 999 }
/** Where the PostgreSQL server files are mounted in its container. */
const POSTGRES_CONF = '/etc/mythical'

/** The manifest's ports are in use: a local stack runs, and both cannot listen there. */
export class InfrastructurePortsBusy extends DockerPathError {
  static override code = 'ERR_DOCKER_INFRASTRUCTURE_PORTS_BUSY'
  override code = 'ERR_DOCKER_INFRASTRUCTURE_PORTS_BUSY'
}

const isListening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })

/** Polls `ready` every half second until it is true (the node logs to its own file). */
async function waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (!(await ready())) {
    if (Date.now() > deadline) {
      throw new DockerPathError(`no ${what} after ${timeoutMs / 1000} s`)
    }
    await sleep(500)
  }
}

/** Gives a file to the image's server account when we may (root); otherwise it runs as us. */
async function ownedByServer(path: string, mode: number) {
  await chmod(path, mode)
  if (process.getuid?.() === 0) await chown(path, IMAGE_SERVER_USER.uid, IMAGE_SERVER_USER.gid)
}

const containerUser = () =>
  process.getuid?.() === 0
    ? `${IMAGE_SERVER_USER.uid}:${IMAGE_SERVER_USER.gid}`
    : `${process.getuid?.()}:${process.getgid?.()}`

/** The `postgres` command line: the local runner's settings file, as `-c` options. */
export function postgresCommand(): string[] {
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(INFRASTRUCTURE.postgres.port),
    ssl: 'on',
    ssl_cert_file: `${POSTGRES_CONF}/server.crt`,
    ssl_key_file: `${POSTGRES_CONF}/server.key`,
    ssl_ca_file: `${POSTGRES_CONF}/client-ca.pem`,
    ssl_min_protocol_version: 'TLSv1.3',
    password_encryption: 'scram-sha-256',
    hba_file: `${POSTGRES_CONF}/pg_hba.conf`,
    ident_file: `${POSTGRES_CONF}/pg_ident.conf`,
    log_connections: 'on',
    ...LOG_PRIVACY_SETTINGS,
  }
  return ['postgres', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]
}

/** Renders the server files and the admin password file into `.stack/docker/postgres/`. */
async function preparePostgres(paths: StackPaths): Promise<{ folder: string; url: string }> {
  const layout = postgresLayout(paths)
  const folder = join(paths.stack, 'docker', 'postgres')
  await rm(folder, { recursive: true, force: true })
  await mkdir(folder, { recursive: true, mode: 0o755 })
  const admin = await loadOrCreateAdminCredentials(layout)
  const user = { name: 'postgres', ...IMAGE_SERVER_USER, switchUser: process.getuid?.() === 0 }
  await syncServerFiles({ ...layout, data: folder }, user)
  const passwordFile = join(folder, 'admin-password')
  await writeFile(passwordFile, admin.password, { mode: 0o600 })
  await ownedByServer(passwordFile, 0o600)
  const url = new URL(`postgres://127.0.0.1:${INFRASTRUCTURE.postgres.port}/postgres`)
  url.username = admin.user
  url.password = admin.password
  url.searchParams.set('sslmode', 'verify-full')
  return { folder, url: url.toString() }
}

/**
 * The local runner's own node files (`prepareNodeFiles`: config, advanced config with the TLS
 * options and the compiled verify_fun, TLS copies) and the definitions imported at boot.
 *
 * @returns the layout and the uid:gid that owns it, which the container runs as
 */
async function prepareRabbitmq(paths: StackPaths) {
  const layout = rabbitmqLayout(paths)
  await prepareNodeFiles(paths, layout)
  await writeDefinitions(paths, LOCAL_BROKER_LOCATION)
  const owner = await stat(layout.base)
  return { layout, user: `${owner.uid}:${owner.gid}` }
}

/** A started container, as far as the teardown needs to know. */
interface Stoppable {
  stop(): Promise<unknown>
  logs(opts?: { tail?: number }): Promise<NodeJS.ReadableStream>
}

/** The container's last lines, printed before a failed set-up removes it. */
async function printLogs(container: Stoppable, log: (line: string) => void) {
  const chunks: string[] = []
  const stream = await container.logs({ tail: 40 })
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
  await sleep(1_000)
  log(chunks.join(''))
}

/** What {@link startContainerInfrastructure} started, for the global set-up and teardown. */
export interface ContainerInfrastructure {
  stop(): Promise<void>
  /** `rabbitmqctl <args>` inside the broker container (e.g. the test suites' own vhost). */
  rabbitmqctl(args: readonly string[]): Promise<string>
}

/**
 * Starts PostgreSQL and RabbitMQ containers configured like the local servers, sets
 * `DATABASE_ADMIN_URL` / `AMQP_ADMIN_URL` for this process and its test processes, and
 * provisions both.
 *
 * @throws {InfrastructurePortsBusy} when something already listens on the manifest's ports
 */
export async function startContainerInfrastructure(
  paths: StackPaths,
  log: (line: string) => void = () => {},
): Promise<ContainerInfrastructure> {
  const ports = [INFRASTRUCTURE.postgres.port, INFRASTRUCTURE.rabbitmq.port]
  for (const port of ports) {
    if (await isListening(port)) {
      throw new InfrastructurePortsBusy(
        `127.0.0.1:${port} is in use (a local stack?): stop it (pnpm stack:down --infrastructure) or unset DOCKER_HOST`,
      )
    }
  }
  // No reaper container: it would be pulled from a registry. The teardown stops what it started.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'
  // The project's engine has no default bridge, whose gateway testcontainers would look up; the
  // containers share the host's network, so their host is loopback.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1'
  const { GenericContainer, Wait } = await import('testcontainers')
  await ensurePki(paths)
  const started: Stoppable[] = []
  let broker: StartedTestContainer | undefined
  const stop = async () => {
    for (const container of started.reverse()) await container.stop()
  }
  try {
    const postgres = await preparePostgres(paths)
    const t0 = Date.now()
    started.push(
      await new GenericContainer(POSTGRES_IMAGE)
        .withNetworkMode('host')
        .withUser(containerUser())
        .withEnvironment({
          POSTGRES_USER: (await loadOrCreateAdminCredentials(postgresLayout(paths))).user,
          POSTGRES_PASSWORD_FILE: `${POSTGRES_CONF}/admin-password`,
          POSTGRES_DB: 'postgres',
          PGDATA: '/var/lib/postgresql/data/pgdata',
        })
        .withBindMounts([{ source: postgres.folder, target: POSTGRES_CONF, mode: 'ro' }])
        .withTmpFs({ '/var/lib/postgresql/data': 'rw', '/var/run/postgresql': 'rw' })
        .withCommand(postgresCommand())
        .withWaitStrategy(Wait.forLogMessage(/listening on IPv4 address "127\.0\.0\.1"/))
        .withStartupTimeout(120_000)
        .start(),
    )
    log(`postgres container (${POSTGRES_IMAGE}) up in ${Math.round((Date.now() - t0) / 1000)} s`)
    process.env.DATABASE_ADMIN_URL = postgres.url
    // Listening is not accepting yet ("the database system is starting up"): wait for the login.
    await waitUntil('the PostgreSQL admin login', () => postgresServer.isRunning(paths), 60_000)
    await postgresServer.provision(paths)
    const rabbitmq = await prepareRabbitmq(paths)
    const t1 = Date.now()
    broker = await new GenericContainer(RABBITMQ_IMAGE)
      .withNetworkMode('host')
      .withUser(rabbitmq.user)
      .withEnvironment({
        ...nodeEnvironment(rabbitmq.layout),
        // What the node writes stays in the container: the local node's folder is mounted
        // read-only (its pid file, log and data belong to the local node).
        RABBITMQ_PID_FILE: '/var/lib/rabbitmq/rabbitmq.pid',
        RABBITMQ_MNESIA_BASE: '/var/lib/rabbitmq/mnesia',
        RABBITMQ_LOG_BASE: '/var/lib/rabbitmq/log',
        RABBITMQ_LOGS: '-',
        HOME: '/var/lib/rabbitmq',
      })
      .withBindMounts([{ source: rabbitmq.layout.base, target: rabbitmq.layout.base, mode: 'ro' }])
      // An empty conf.d: the image's defaults (a plain AMQP listener, guest) are not read.
      .withTmpFs({ '/var/lib/rabbitmq': 'rw', '/etc/rabbitmq/conf.d': 'rw' })
      .withCommand(['rabbitmq-server'])
      .start()
    started.push(broker)
    const port = INFRASTRUCTURE.rabbitmq.port
    await waitUntil(`a listener on 127.0.0.1:${port}`, () => isListening(port), 180_000)
    log(`rabbitmq container (${RABBITMQ_IMAGE}) up in ${Math.round((Date.now() - t1) / 1000)} s`)
    // The node imported its users, permissions and topology at boot; provisioning an external
    // broker writes the same definitions and every service's amqp.json.
    process.env.AMQP_ADMIN_URL = `amqps://127.0.0.1:${INFRASTRUCTURE.rabbitmq.port}/${INFRASTRUCTURE.rabbitmq.vhost}`
    await rabbitmqServer.provision(paths)
  } catch (error) {
    for (const container of started) await printLogs(container, log)
    await stop()
    throw error
  }
  const rabbitmqctl = async (args: readonly string[]) => {
    const result = await broker?.exec(['rabbitmqctl', ...args])
    if (result?.exitCode !== 0) {
      throw new DockerPathError(
        `rabbitmqctl ${args[0] ?? ''} failed: ${result?.output ?? 'no broker'}`,
      )
    }
    return result.output
  }
  return { stop, rabbitmqctl }
}
