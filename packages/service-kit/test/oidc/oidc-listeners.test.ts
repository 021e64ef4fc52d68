/**
 * The shared OpenID provider listeners over real TLS: edge without and alias with a client
 * certificate, the alias's audit of whom it turned away, probes and trace context on both,
 * graceful shutdown on SIGTERM/SIGINT.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { AuditLogger } from '@mythical/audit'
import { Agent, request } from 'undici'
import type { Dispatcher } from 'undici'
import { HANDSHAKE_REASONS } from '@mythical/mtls'
import { startOidcListeners, withOidcProbes } from '../../src/index.ts'
import type { OidcListeners } from '../../src/index.ts'
import { createTestCa, createTestSecrets } from '../../src/testing/index.ts'
import type { TestSecrets } from '../../src/testing/index.ts'
import { captureAudit } from '../helpers/capture-audit.ts'
import { freePort } from '../helpers/free-port.ts'

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c'
const TRACEPARENT = `00-${TRACE_ID}-b7ad6b7169203331-01`

let idp: TestSecrets
let web: TestSecrets
let partner: TestSecrets
let listeners: OidcListeners
let databaseUp = true
const failures: { check: string; error: unknown }[] = []
const seen: IncomingMessage['headers'][] = []
const dispatchers: Dispatcher[] = []

const noCertificate = () => {
  const d = new Agent({ connect: { ca: [idp.ca.certPem] } })
  dispatchers.push(d)
  return d
}
const withCertificate = (secrets: TestSecrets) => {
  // Trust the IdP's CA as server anchor, present the workload's own certificate.
  const { certPem: cert, keyPem: key } = secrets.identity
  const d = new Agent({ connect: { ca: [idp.ca.certPem], cert, key } })
  dispatchers.push(d)
  return d
}

async function get(url: string, dispatcher: Dispatcher, headers: Record<string, string> = {}) {
  const res = await request(url, { dispatcher, headers })
  return {
    status: res.statusCode,
    headers: res.headers,
    text: await res.body.text(),
  }
}

/** Listeners whose alias also trusts the partner's CA, for its order-tracking-api alone. */
const federatedListeners = (audit?: AuditLogger) =>
  startOidcListeners((_req, res) => res.end('provider'), {
    identity: idp.identity,
    host: '127.0.0.1',
    port: 0,
    mtlsPort: 0,
    federatedPeers: [
      {
        caPem: partner.ca.certPem,
        spiffeIds: ['spiffe://shipping.mythical.example/order-tracking-api'],
      },
    ],
    ...(audit ? { audit } : {}),
  })

before(async () => {
  idp = await createTestSecrets('idp')
  web = await createTestSecrets('web', { ca: idp.ca })
  partner = await createTestSecrets('order-tracking-api', {
    domain: 'shipping',
    ca: await createTestCa('shipping'),
  })
  const handler = withOidcProbes(
    (req, res) => {
      seen.push(req.headers)
      res.writeHead(200, { 'content-type': 'text/plain' }).end('provider')
    },
    {
      readiness: {
        database: async () => {
          if (!databaseUp) throw new Error('connect ECONNREFUSED 10.0.0.7:5432 user=idp')
        },
      },
      onCheckFailed: (check, error) => failures.push({ check, error }),
    },
  )
  listeners = await startOidcListeners(handler, {
    identity: idp.identity,
    host: '127.0.0.1',
    port: 0,
    mtlsPort: 0,
  })
})

after(async () => {
  await Promise.all(dispatchers.map((d) => d.close()))
  await listeners.close()
  for (const s of [idp, web, partner]) s.cleanup()
})

describe('edge listener', () => {
  it('serves the provider over TLS without a client certificate', async () => {
    const res = await get(`${listeners.origin}/.well-known/openid-configuration`, noCertificate())
    assert.equal(res.status, 200)
    assert.equal(res.text, 'provider')
  })

  it('answers /healthz and /readyz itself', async () => {
    const health = await get(`${listeners.origin}/healthz`, noCertificate())
    assert.equal(health.status, 200)
    assert.deepEqual(JSON.parse(health.text), { status: 'ok' })
    const ready = await get(`${listeners.origin}/readyz`, noCertificate())
    assert.equal(ready.status, 200)
    assert.deepEqual(JSON.parse(ready.text), { status: 'ready', checks: { database: 'ok' } })
  })

  it('continues the caller trace, echoes this hop and hands the handler the same traceparent', async () => {
    seen.length = 0
    const res = await get(`${listeners.origin}/token`, noCertificate(), {
      traceparent: TRACEPARENT,
    })
    const echoed = String(res.headers.traceparent)
    assert.match(echoed, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`))
    assert.notEqual(echoed, TRACEPARENT, 'own span id')
    assert.equal(seen[0]?.traceparent, echoed)
  })

  it('starts a trace when the caller sent none or a malformed one', async () => {
    const res = await get(`${listeners.origin}/healthz`, noCertificate(), { traceparent: 'junk' })
    assert.match(String(res.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/)
    assert.ok(!String(res.headers.traceparent).includes('junk'))
  })
})

describe('mTLS alias listener', () => {
  it('refuses a handshake without a client certificate', async () => {
    await assert.rejects(get(`${listeners.mtlsOrigin}/healthz`, noCertificate()))
  })

  it('accepts a workload certificate of its own trust domain and answers probes there too', async () => {
    const res = await get(`${listeners.mtlsOrigin}/readyz`, withCertificate(web))
    assert.equal(res.status, 200)
    const token = await get(`${listeners.mtlsOrigin}/token`, withCertificate(web))
    assert.equal(token.text, 'provider')
  })

  it('refuses a certificate from another CA unless that CA is configured', async () => {
    await assert.rejects(get(`${listeners.mtlsOrigin}/healthz`, withCertificate(partner)))
    const federated = await federatedListeners()
    try {
      const res = await get(`${federated.mtlsOrigin}/token`, withCertificate(partner))
      assert.equal(res.text, 'provider')
      // Its own domain's workloads still get in.
      assert.equal(
        (await get(`${federated.mtlsOrigin}/token`, withCertificate(web))).text,
        'provider',
      )
    } finally {
      await federated.close()
    }
  })

  it('refuses any other workload of a configured foreign CA: only the listed peers federate', async () => {
    const other = await createTestSecrets('shipping-api', { domain: 'shipping', ca: partner.ca })
    const federated = await federatedListeners()
    try {
      const listed = await get(`${federated.mtlsOrigin}/token`, withCertificate(partner))
      assert.equal(listed.text, 'provider', 'the CA is trusted for the listed peer')
      await assert.rejects(get(`${federated.mtlsOrigin}/token`, withCertificate(other)))
    } finally {
      await federated.close()
      other.cleanup()
    }
  })
})

describe('mTLS alias listener: audit of the callers it turns away', () => {
  /** The decisions `captured` holds once `count` are there (the server's side lags the client's). */
  async function decisionsOf(captured: ReturnType<typeof captureAudit>, count: number) {
    for (let i = 0; i < 100 && captured.records().length < count; i++) await sleep(10)
    return captured.records().map(({ decision, reason, caller }) => ({ decision, reason, caller }))
  }

  it('audits a refused handshake and a verified peer of a foreign domain it does not admit', async () => {
    const captured = captureAudit('idp')
    const other = await createTestSecrets('shipping-api', { domain: 'shipping', ca: partner.ca })
    const audited = await federatedListeners(captured.audit)
    try {
      await assert.rejects(get(`${audited.mtlsOrigin}/token`, noCertificate()))
      assert.deepEqual(await decisionsOf(captured, 1), [
        { decision: 'deny', reason: 'mtls.handshake_no_certificate', caller: undefined },
      ])
      await assert.rejects(get(`${audited.mtlsOrigin}/token`, withCertificate(other)))
      assert.deepEqual((await decisionsOf(captured, 2))[1], {
        decision: 'deny',
        reason: HANDSHAKE_REASONS.peerNotAdmitted,
        caller: 'spiffe://shipping.mythical.example/shipping-api',
      })
      // Admitted callers leave no refusal behind.
      assert.equal(
        (await get(`${audited.mtlsOrigin}/token`, withCertificate(web))).text,
        'provider',
      )
      assert.equal(
        (await get(`${audited.mtlsOrigin}/token`, withCertificate(partner))).text,
        'provider',
      )
      assert.equal(captured.records().length, 2)
    } finally {
      await audited.close()
      other.cleanup()
    }
  })
})

describe('readiness', () => {
  it('answers 503 problem+json naming the failing check, its error for the log only', async () => {
    databaseUp = false
    failures.length = 0
    try {
      const res = await get(`${listeners.origin}/readyz`, noCertificate(), {
        traceparent: TRACEPARENT,
      })
      assert.equal(res.status, 503)
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
      const problem = JSON.parse(res.text)
      assert.equal(problem.code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')
      assert.equal(problem.detail, 'readiness check "database" failed')
      assert.deepEqual(problem.checks, { database: 'failed' })
      assert.equal(problem.traceId, TRACE_ID)
      assert.ok(!res.text.includes('10.0.0.7'), 'no driver message in the response')
      assert.equal(failures[0]?.check, 'database')
      assert.match(String(failures[0]?.error), /ECONNREFUSED/)
      // Liveness does not depend on readiness.
      assert.equal((await get(`${listeners.origin}/healthz`, noCertificate())).status, 200)
    } finally {
      databaseUp = true
    }
  })

  it('refuses unreadable check names at start-up', () => {
    assert.throws(
      () => withOidcProbes(() => undefined, { readiness: { Database: async () => {} } }),
      {
        name: 'TypeError',
      },
    )
  })
})

describe('lifecycle', () => {
  it('close() stops both listeners', async () => {
    const own = await startOidcListeners((_req, res) => res.end('x'), {
      identity: idp.identity,
      host: '127.0.0.1',
      port: 0,
      mtlsPort: 0,
    })
    await own.close()
    for (const origin of [own.origin, own.mtlsOrigin]) {
      assert.ok(await refused(Number(new URL(origin).port)), origin)
    }
  })

  it('a port already in use fails start-up and leaves nothing listening', async () => {
    const taken = Number(new URL(listeners.origin).port)
    const free = await freePort()
    await assert.rejects(
      startOidcListeners((_req, res) => res.end('x'), {
        identity: idp.identity,
        host: '127.0.0.1',
        port: free,
        mtlsPort: taken,
      }),
      { code: 'EADDRINUSE' },
    )
    assert.ok(await refused(free), 'the edge listener was closed again')
  })

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stopOnSignals closes both listeners and exits 0 on ${signal}`, async () => {
      const fixture = fileURLToPath(new URL('../fixtures/oidc-serve.ts', import.meta.url))
      const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit'] })
      let output = ''
      child.stdout.setEncoding('utf8')
      const ports = await new Promise<{ port: number; mtlsPort: number }>((resolve) => {
        child.stdout.on('data', (chunk: string) => {
          output += chunk
          const match = /\{"port":(\d+),"mtlsPort":(\d+)\}/.exec(output)
          if (match) resolve({ port: Number(match[1]), mtlsPort: Number(match[2]) })
        })
      })
      child.kill(signal)
      const [code] = (await once(child, 'exit')) as [number | null]
      assert.equal(code, 0)
      assert.match(output, /^stopped$/m)
      assert.ok(await refused(ports.port))
      assert.ok(await refused(ports.mtlsPort))
    })
  }
})

async function refused(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1')
  try {
    await once(socket, 'connect')
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ECONNREFUSED'
  } finally {
    socket.destroy()
  }
}
