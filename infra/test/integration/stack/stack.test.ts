/**
 * `pnpm stack:up` / `pnpm stack:down` end to end, as CLIs in child processes against the real
 * services, PostgreSQL and RabbitMQ:
 * - up exits 0, `.stack/stack.json` lists every manifest service, every service is ready
 * - internal ports refuse a TLS client without a certificate, and one whose certificate comes
 *   from another trust domain's CA (positive control: the own-domain probe identity gets in)
 * - edge ports serve `/healthz` over TLS without a client certificate
 * - down exits 0 and leaves no service process and no open service port behind
 * The shared PostgreSQL and RabbitMQ belong to the global set-up; `stack:down` stops only what
 * `stack:up` started, and this suite checks they are still there for the suites after it.
 *
 * A stack that was already running when the suite started (a developer's `pnpm stack:up` or
 * `pnpm start`) is the user's, not the suite's: the suite checks it as it is and leaves it
 * running — it neither re-runs `stack:up` (which would rewrite its stack.json) nor `stack:down`.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { request } from 'node:https'
import { connect as connectTcp } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { after, before, describe, it } from 'node:test'
import {
  REPO_ROOT,
  stackPaths,
  SERVICES,
  serviceSecrets,
  workloadId,
  type ServiceDefinition,
  type TrustDomain,
} from '@mythical/stack'
import { probeService } from '../../../src/runner/health-probe.ts'
import { ensureInfrastructure, INFRASTRUCTURE_SERVERS } from '../../../src/runner/infrastructure.ts'
import {
  readStackManifest,
  type ServiceRecord,
  type StackManifest,
} from '../../../src/runner/manifest-file.ts'
import { commandLine, isAlive, listProcesses } from '../../../src/runner/proc.ts'

const paths = stackPaths()
const STEP_TIMEOUT_MS = 240_000

/** The stack running before this suite started, if any: a stack.json whose services are alive. */
function runningStack(): StackManifest | undefined {
  const recorded = readStackManifest(paths)
  return recorded?.services.some((s) => isAlive(s.pid)) ? recorded : undefined
}

const stackAtStart = runningStack()
const OWN_STACK_ONLY = stackAtStart
  ? 'a stack was already running: the suite leaves it to its owner'
  : false

/** Runs one of the stack CLIs exactly as `pnpm <script>` does: the pinned Node on its source. */
async function runCli(script: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [`infra/src/cli/${script}.ts`], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, output }
}

const secret = (identity: string, file: string) =>
  readFileSync(`${paths.secrets(identity)}/${file}`, 'utf8')
const probeOf = (domain: TrustDomain) => `stack-probe-${domain}`

/**
 * Opens TLS to a service as a client trusting the service's domain CA, optionally presenting
 * `clientIdentity`'s certificate, and sends `GET /healthz`. Resolves with the HTTP status line or
 * the error that ended the connection; in TLS 1.3 a server rejects a client certificate only
 * after the client considers the handshake done, so the rejection surfaces on the first read.
 */
async function tlsHealthz(
  service: ServiceDefinition,
  clientIdentity?: string,
): Promise<{ statusLine?: string; error?: string }> {
  const socket = connectTls({
    host: '127.0.0.1',
    port: service.port,
    servername: 'localhost',
    ca: readFileSync(paths.caCert(service.domain), 'utf8'),
    ...(clientIdentity === undefined
      ? {}
      : { cert: secret(clientIdentity, 'tls.crt'), key: secret(clientIdentity, 'tls.key') }),
  })
  return new Promise((resolve) => {
    let received = ''
    socket.setTimeout(5_000, () => socket.destroy(new Error('timeout')))
    socket.on('secureConnect', () =>
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
    )
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
    socket.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    )
    socket.on('close', () => {
      const statusLine = received.split('\r\n')[0]
      resolve(statusLine ? { statusLine } : { error: 'closed without a response' })
    })
  })
}

/** HTTPS GET of an edge URL, trusting only the domain CA, with no client certificate. */
async function edgeGet(service: ServiceDefinition, path: string): Promise<number | undefined> {
  const req = request(`https://localhost:${service.port}${path}`, {
    ca: readFileSync(paths.caCert(service.domain), 'utf8'),
  })
  req.end()
  const [response] = (await once(req, 'response')) as [IncomingMessage]
  response.resume()
  return response.statusCode
}

async function portIsClosed(port: number): Promise<boolean> {
  const socket = connectTcp({ host: '127.0.0.1', port })
  try {
    await once(socket, 'connect')
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED'
  } finally {
    socket.destroy()
  }
}

const otherDomain = (domain: TrustDomain): TrustDomain =>
  domain === 'retail' ? 'cardvault' : 'retail'
const internal = SERVICES.filter((s) => s.exposure === 'internal')
const edge = SERVICES.filter((s) => s.exposure === 'edge')

describe('stack:up and stack:down', { timeout: 2 * STEP_TIMEOUT_MS }, () => {
  const infrastructureAtStart = new Map<string, boolean>()
  let manifest: StackManifest | undefined

  before(async () => {
    for (const server of INFRASTRUCTURE_SERVERS) {
      infrastructureAtStart.set(server.name, await server.isRunning(paths))
    }
  })

  after(async () => {
    // Whatever failed above, leave no services this suite started running for the suites after
    // this one (a stack that was running before is left alone)…
    if (!stackAtStart && readStackManifest(paths)) await runCli('stack-down')
    // …and the shared servers running if they were: a stack.json left by an earlier `stack:up`
    // may have made this run's stack:down their owner.
    const stopped = INFRASTRUCTURE_SERVERS.filter((s) => infrastructureAtStart.get(s.name))
    const restart = []
    for (const server of stopped) if (!(await server.isRunning(paths))) restart.push(server.name)
    if (restart.length > 0) {
      await ensureInfrastructure(paths, { started: { postgres: false, rabbitmq: false } })
    }
  })

  it(
    'brings every service up (unless a stack is running) and records it in stack.json',
    { timeout: STEP_TIMEOUT_MS },
    async () => {
      if (!stackAtStart) {
        const { code, output } = await runCli('stack-up')
        assert.equal(code, 0, `stack:up failed:\n${output}`)
      }
      const recorded = readStackManifest(paths)
      assert.ok(recorded, 'stack.json written')
      manifest = recorded
      assert.deepEqual(
        recorded.services.map((s) => s.name).sort(),
        SERVICES.map((s) => s.name).sort(),
      )
      for (const service of SERVICES) {
        const record: ServiceRecord | undefined = recorded.services.find(
          (s) => s.name === service.name,
        )
        assert.ok(record)
        assert.equal(record.domain, service.domain)
        assert.equal(record.exposure, service.exposure)
        assert.equal(record.workloadId, workloadId(service.domain, service.name))
        assert.equal(
          record.url,
          `https://${service.exposure === 'edge' ? 'localhost' : '127.0.0.1'}:${service.port}`,
        )
        assert.ok(isAlive(record.pid), `${service.name} (pid ${record.pid}) is running`)
        // The manifest's secrets are exactly what the PKI and provisioning put in its folder.
        assert.deepEqual(record.secrets, serviceSecrets(service))
        const held = await readdir(paths.secrets(service.name))
        for (const file of record.secrets) {
          assert.ok(held.includes(file), `${service.name} holds ${file}`)
        }
      }
    },
  )

  it('has every service ready over mTLS', async () => {
    const results = await Promise.all(SERVICES.map((s) => probeService(paths, s)))
    SERVICES.forEach((service, i) => assert.deepEqual(results[i], { ok: true }, service.name))
  })

  it('reports every service and server up in stack:status', async () => {
    const { code, output } = await runCli('stack-status')
    assert.equal(code, 0, output)
    for (const name of [...SERVICES.map((s) => s.name), 'postgres', 'rabbitmq']) {
      assert.match(output, new RegExp(`^${name} +\\S+ +up +\\d+ `, 'm'), name)
    }
  })

  it(
    'is idempotent: a second stack:up keeps the running services',
    { skip: OWN_STACK_ONLY },
    async () => {
      assert.ok(manifest)
      const { code, output } = await runCli('stack-up')
      assert.equal(code, 0, output)
      assert.deepEqual(
        readStackManifest(paths)?.services.map((s) => [s.name, s.pid]),
        manifest.services.map((s) => [s.name, s.pid]),
      )
    },
  )

  it('lets the own-domain client certificate into every internal port', async () => {
    for (const service of internal) {
      const result = await tlsHealthz(service, probeOf(service.domain))
      assert.equal(result.statusLine, 'HTTP/1.1 200 OK', `${service.name}: ${result.error}`)
    }
  })

  it('refuses a TLS client without a certificate on every internal port', async () => {
    for (const service of internal) {
      const result = await tlsHealthz(service)
      assert.equal(result.statusLine, undefined, `${service.name} answered without a certificate`)
      assert.equal(result.error, 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', service.name)
    }
  })

  it("refuses a certificate from another trust domain's CA on every internal port", async () => {
    for (const service of internal) {
      const result = await tlsHealthz(service, probeOf(otherDomain(service.domain)))
      assert.equal(result.statusLine, undefined, `${service.name} accepted a foreign certificate`)
      // Node's TLS server verifies the chain itself once the TLS 1.3 handshake is done and then
      // drops the socket without an alert, so the client sees the connection end before any
      // response (a reset if the request was still in flight). An OpenSSL-level rejection would
      // send `unknown_ca`; all three mean the request never reached the application.
      assert.ok(
        ['closed without a response', 'ECONNRESET', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'].includes(
          result.error ?? '',
        ),
        `${service.name}: ${result.error}`,
      )
    }
  })

  it('serves /healthz on every edge port over TLS without a client certificate', async () => {
    for (const service of edge) {
      assert.equal(await edgeGet(service, '/healthz'), 200, service.name)
    }
  })

  it(
    'stops everything with stack:down and leaves nothing behind',
    { timeout: STEP_TIMEOUT_MS, skip: OWN_STACK_ONLY },
    async () => {
      assert.ok(manifest, 'stack:up recorded the stack')
      const { code, output } = await runCli('stack-down')
      assert.equal(code, 0, `stack:down failed:\n${output}`)
      assert.equal(readStackManifest(paths), undefined, 'stack.json removed')
      for (const record of manifest.services) {
        assert.equal(isAlive(record.pid), false, `${record.name} (pid ${record.pid}) still running`)
      }
      for (const service of SERVICES) {
        assert.ok(
          await portIsClosed(service.port),
          `port ${service.port} (${service.name}) still open`,
        )
      }
      const servicesDir = `${REPO_ROOT}services/`
      const strays = listProcesses().filter(
        (p) => p.state !== 'Z' && commandLine(p.pid).some((arg) => arg.startsWith(servicesDir)),
      )
      assert.deepEqual(
        strays.map((p) => `${p.pid}: ${commandLine(p.pid).join(' ')}`),
        [],
        'no process runs code from services/',
      )
    },
  )

  it(
    'leaves a stack that was running before it running, with the same processes',
    { skip: stackAtStart ? false : 'no stack was running: the stack:down test covers it' },
    () => {
      assert.ok(stackAtStart)
      assert.deepEqual(readStackManifest(paths), stackAtStart, 'stack.json unchanged')
      for (const record of stackAtStart.services) {
        assert.ok(isAlive(record.pid), `${record.name} (pid ${record.pid}) still running`)
      }
    },
  )

  it('leaves the shared PostgreSQL and RabbitMQ as it found them', async () => {
    for (const server of INFRASTRUCTURE_SERVERS) {
      if (infrastructureAtStart.get(server.name)) {
        assert.equal(await server.isRunning(paths), true, `${server.name} still running`)
      }
    }
  })
})
