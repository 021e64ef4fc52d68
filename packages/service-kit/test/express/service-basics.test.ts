import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { mtlsServerOptions } from '@mythical/mtls'
import express from 'express'
import { expressServiceBasics, type ReadinessChecks } from '../../src/index.ts'
import { createTestSecrets } from '../../src/testing/index.ts'
import { captureAudit } from '../helpers/capture-audit.ts'
import { callAs, callWithoutCertificate, closeAgents } from '../helpers/tls-client.ts'

const FULFILLMENT = 'spiffe://retail.mythical.example/order-fulfillment-api'

const vault = await createTestSecrets('tokenization-api', { domain: 'cardvault' })
const fulfillment = await createTestSecrets('order-fulfillment-api', { ca: vault.ca })
const other = await createTestSecrets('orders-api', { ca: vault.ca })
const captured = captureAudit('tokenization-api')
const servers: Server[] = []

async function start(readiness: ReadinessChecks, requireClientCertificate = true) {
  const app = express()
  expressServiceBasics(
    app,
    { name: 'tokenization-api', audit: captured.audit, readiness },
    (app, kit) => {
      app.get('/tokens', kit.allowCallers([FULFILLMENT]), (req, res) => {
        res.json({ peerId: req.peerId, traceId: req.traceContext.traceId })
      })
      app.get('/boom', () => {
        throw new Error('card 4111111111111111 rejected')
      })
    },
  )
  const server = createServer(mtlsServerOptions(vault.identity, { requireClientCertificate }), app)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`
}

after(async () => {
  await closeAgents()
  for (const s of servers) {
    s.closeAllConnections()
    s.close()
  }
  for (const s of [vault, fulfillment, other]) s.cleanup()
})

describe('expressServiceBasics', () => {
  let base: string
  before(async () => {
    base = await start({
      hsm: async () => {
        throw new Error('hsm at 10.0.0.7 refused login')
      },
    })
  })

  it('GET /healthz answers 200 {status: ok}', async () => {
    const res = await callAs(fulfillment.identity, `${base}/healthz`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok' })
  })

  it('GET /readyz answers 503 naming the failing check only', async () => {
    const res = await callAs(fulfillment.identity, `${base}/readyz`)
    assert.equal(res.status, 503)
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8')
    assert.equal(res.body.code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')
    assert.equal(res.body.detail, 'readiness check "hsm" failed')
    assert.doesNotMatch(JSON.stringify(res.body), /10\.0\.0\.7|refused/)
  })

  it('lets the allow-listed caller in with its peer id and continued trace', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    const res = await callAs(fulfillment.identity, `${base}/tokens`, { traceparent })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { peerId: FULFILLMENT, traceId: '4bf92f3577b34da6a3ce929d0e0e4736' })
    assert.match(String(res.headers.traceparent), /^00-4bf92f3577b34da6a3ce929d0e0e4736-/)
    const record = captured.records().at(-1)
    assert.equal(record?.decision, 'allow')
    assert.equal(record?.reason, 'mtls.peer_allowed')
    assert.equal(record?.caller, FULFILLMENT)
  })

  it('refuses another workload with 403 ZT_ERR_PEER_NOT_ALLOWED and audits it', async () => {
    const res = await callAs(other.identity, `${base}/tokens`)
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_PEER_NOT_ALLOWED')
    const record = captured.records().at(-1)
    assert.equal(record?.decision, 'deny')
    assert.equal(record?.reason, 'mtls.peer_not_allowed')
    assert.equal(record?.caller, 'spiffe://retail.mythical.example/orders-api')
    assert.equal(record?.traceId, res.body.traceId)
  })

  it('answers unknown routes with a 404 problem and errors with a bare 500', async () => {
    const missing = await callAs(fulfillment.identity, `${base}/nope`)
    assert.equal(missing.status, 404)
    assert.equal(missing.body.code, 'ZT_ERR_NOT_FOUND')
    assert.equal(missing.body.traceId, String(missing.headers.traceparent).split('-')[1])
    const boom = await callAs(fulfillment.identity, `${base}/boom`)
    assert.equal(boom.status, 500)
    assert.equal(boom.body.code, 'ZT_ERR_INTERNAL')
    assert.doesNotMatch(JSON.stringify(boom.body), /4111[ -]?1111/)
  })

  it('does not announce express', async () => {
    const res = await callAs(fulfillment.identity, `${base}/healthz`)
    assert.equal(res.headers['x-powered-by'], undefined)
  })
})

describe('expressServiceBasics on an edge listener', () => {
  it('answers 401 ZT_ERR_MTLS_REQUIRED on an allow-listed route without a cert', async () => {
    const base = await start({}, false)
    const res = await callWithoutCertificate(vault.ca.certPem, `${base}/tokens`)
    assert.equal(res.status, 401)
    assert.equal(res.body.code, 'ZT_ERR_MTLS_REQUIRED')
    assert.equal(captured.records().at(-1)?.reason, 'mtls.client_certificate_required')
  })
})
