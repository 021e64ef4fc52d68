import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { createService } from '../src/index.ts'
import { createTestSecrets } from '../src/testing/index.ts'
import { captureAudit } from './helpers/capture-audit.ts'
import { callAs, callWithoutCertificate, closeAgents } from './helpers/tls-client.ts'

const FULFILLMENT = 'spiffe://retail.mythical.example/order-fulfillment-api'

const server = await createTestSecrets('orders-api')
const fulfillment = await createTestSecrets('order-fulfillment-api', { ca: server.ca })
const customers = await createTestSecrets('customers-api', { ca: server.ca })

describe('internal service over real mutual TLS', () => {
  const captured = captureAudit('orders-api')
  let app: FastifyInstance
  let base: string

  before(async () => {
    app = await createService({
      name: 'orders-api',
      identity: server.identity,
      exposure: 'internal',
      audit: captured.audit,
    })
    app.get('/orders', { config: { allowedCallers: [FULFILLMENT] } }, async (request) => ({
      peerId: request.peerId,
    }))
    await app.listen({ host: '127.0.0.1', port: 0 })
    base = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  })
  after(async () => {
    await closeAgents()
    await app.close()
    for (const s of [server, fulfillment, customers]) s.cleanup()
  })

  it('lets an allow-listed workload in, exposes its id and audits the allow', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
    const res = await callAs(fulfillment.identity, `${base}/orders`, { traceparent })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { peerId: FULFILLMENT })
    const record = captured.records().at(-1)
    assert.equal(record?.decision, 'allow')
    assert.equal(record?.reason, 'mtls.peer_allowed')
    assert.equal(record?.caller, FULFILLMENT)
    assert.equal(record?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736')
  })

  it('refuses another workload of the same CA with 403 and audits the deny', async () => {
    const res = await callAs(customers.identity, `${base}/orders`)
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_PEER_NOT_ALLOWED')
    assert.equal(
      res.body.detail,
      'workload "spiffe://retail.mythical.example/customers-api" may not call GET /orders',
    )
    const record = captured.records().at(-1)
    assert.equal(record?.decision, 'deny')
    assert.equal(record?.reason, 'mtls.peer_not_allowed')
    assert.equal(record?.caller, 'spiffe://retail.mythical.example/customers-api')
    assert.equal(record?.traceId, res.body.traceId)
  })

  it('routes without an allow-list accept any workload the handshake accepted', async () => {
    const res = await callAs(customers.identity, `${base}/healthz`)
    assert.equal(res.status, 200)
  })

  it('refuses the handshake without a client certificate', async () => {
    await assert.rejects(callWithoutCertificate(server.ca.certPem, `${base}/healthz`), {
      code: 'UND_ERR_SOCKET',
    })
  })
})

describe('edge service over TLS', () => {
  it('serves without a client certificate', async () => {
    const app = await createService({
      name: 'orders-api',
      identity: server.identity,
      exposure: 'edge',
      audit: captureAudit('orders-api').audit,
    })
    await app.listen({ host: '127.0.0.1', port: 0 })
    after(async () => {
      await closeAgents()
      await app.close()
    })
    const port = (app.server.address() as AddressInfo).port
    const res = await callWithoutCertificate(server.ca.certPem, `https://127.0.0.1:${port}/healthz`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok' })
  })
})
