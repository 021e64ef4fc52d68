import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { loadWorkloadIdentity, mtlsServerOptions } from '@mythical/mtls'
import { REPO_ROOT, stackPaths, serviceByName, type ServiceDefinition } from '@mythical/stack'
import { ensurePki } from '../../../src/pki/index.ts'
import { ServiceExitedError, ServiceUnhealthyError } from '../../../src/runner/errors.ts'
import { probeService, waitUntilReady } from '../../../src/runner/health-probe.ts'

const root = mkdtempSync(join(tmpdir(), 'runner-probe-'))
const paths = stackPaths(root)
const servers: Server[] = []

before(() => ensurePki(paths))
after(async () => {
  for (const server of servers) server.close()
  rmSync(root, { recursive: true, force: true })
})

/** An internal HTTPS listener (client certificate required) serving `identityOf`'s certificate. */
async function serve(identityOf: string, status: number): Promise<ServiceDefinition> {
  const identity = loadWorkloadIdentity(paths.secrets(identityOf))
  const server = createServer(mtlsServerOptions(identity), (request, response) => {
    response.writeHead(request.url === '/readyz' ? status : 404).end()
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  return { ...serviceByName('orders-api'), port }
}

describe('probeService', () => {
  it('is ready when the service answers 2xx with its own workload certificate', async () => {
    assert.deepEqual(await probeService(paths, await serve('orders-api', 200)), { ok: true })
  })

  it('reports the status of a service that is not ready', async () => {
    assert.deepEqual(await probeService(paths, await serve('orders-api', 503)), {
      ok: false,
      reason: 'GET /readyz answered 503',
    })
  })

  it('refuses a process presenting another workload id on the port', async () => {
    const result = await probeService(paths, await serve('customers-api', 200))
    assert.equal(result.ok, false)
    assert.match(result.ok ? '' : result.reason, /^ERR_MTLS_SERVER_NOT_ALLOWED: .*customers-api/)
  })

  it('refuses a server whose certificate is from another trust domain', async () => {
    const result = await probeService(paths, await serve('tokenization-api', 200))
    assert.equal(result.ok, false)
    assert.match(result.ok ? '' : result.reason, /^SELF_SIGNED_CERT_IN_CHAIN: /)
  })

  it('reports a closed port', async () => {
    const closed = await serve('orders-api', 200)
    servers.pop()?.close()
    const result = await probeService(paths, closed)
    assert.equal(result.ok, false)
    assert.match(result.ok ? '' : result.reason, /ECONNREFUSED/)
  })
})

describe('waitUntilReady', () => {
  it('resolves once the service is ready', async () => {
    await waitUntilReady(paths, await serve('orders-api', 200), { timeoutMs: 2_000 })
  })

  it('gives up after the timeout with the last reason', async () => {
    const service = await serve('orders-api', 503)
    await assert.rejects(waitUntilReady(paths, service, { timeoutMs: 600 }), (error: unknown) => {
      assert.ok(error instanceof ServiceUnhealthyError)
      assert.equal(error.code, 'ERR_RUNNER_SERVICE_UNHEALTHY')
      assert.equal(error.service, 'orders-api')
      assert.equal(error.message, 'orders-api not ready after 600 ms (GET /readyz answered 503)')
      return true
    })
  })

  it('stops waiting as soon as the process has exited', async () => {
    const service = await serve('orders-api', 503)
    const started = Date.now()
    await assert.rejects(
      waitUntilReady(paths, service, { timeoutMs: 30_000, isRunning: () => false }),
      (error: unknown) => {
        assert.ok(error instanceof ServiceExitedError)
        assert.equal(error.code, 'ERR_RUNNER_SERVICE_EXITED')
        return true
      },
    )
    assert.ok(Date.now() - started < 1_000)
  })
})

describe('container healthcheck (infra/docker/healthcheck.ts)', () => {
  /** Runs the script as Docker would inside the workload's container. */
  async function healthcheck(secretsOf: string, port: number): Promise<number | null> {
    const child = spawn(process.execPath, ['infra/docker/healthcheck.ts'], {
      cwd: REPO_ROOT,
      env: {
        SERVICE_NAME: 'orders-api',
        SECRETS_DIR: paths.secrets(secretsOf),
        PORT: String(port),
      },
      stdio: 'ignore',
    })
    const [code] = (await once(child, 'exit')) as [number | null]
    return code
  }

  it('is healthy when the service is ready, probing with its own certificate', async () => {
    assert.equal(await healthcheck('orders-api', (await serve('orders-api', 200)).port), 0)
  })

  it('is unhealthy when /readyz fails', async () => {
    assert.equal(await healthcheck('orders-api', (await serve('orders-api', 503)).port), 1)
  })

  it('is unhealthy when the listener presents another workload id', async () => {
    assert.equal(await healthcheck('orders-api', (await serve('customers-api', 200)).port), 1)
  })
})
