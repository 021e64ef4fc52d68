/**
 * Every internal listener the kit builds audits the handshakes it refuses (the refusal itself is
 * `@mythical/mtls`'s `auditHandshakeRefusals`, tested there): fastify services and express
 * services given an audit logger, with the boundary the call graph names for the service.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import express from 'express'
import { createService, runExpressService } from '../src/index.ts'
import { inboundBoundary } from '../src/inbound-boundary.ts'
import { createTestSecrets } from '../src/testing/index.ts'
import { captureAudit } from './helpers/capture-audit.ts'
import { callWithoutCertificate, closeAgents } from './helpers/tls-client.ts'

const orders = await createTestSecrets('orders-api')
const shipping = await createTestSecrets('shipping-api', { domain: 'shipping' })
after(async () => {
  await closeAgents()
  for (const s of [orders, shipping]) s.cleanup()
})

/** Records of `captured`, waiting a little for the server's side of a refused handshake. */
async function recordsOf(captured: ReturnType<typeof captureAudit>, count: number) {
  for (let i = 0; i < 100 && captured.records().length < count; i++) await sleep(10)
  return captured.records()
}

async function startFastify(exposure: 'edge' | 'internal') {
  const captured = captureAudit('orders-api')
  const app = await createService({
    name: 'orders-api',
    identity: orders.identity,
    exposure,
    audit: captured.audit,
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  after(() => app.close())
  return {
    captured,
    url: `https://127.0.0.1:${(app.server.address() as AddressInfo).port}/healthz`,
  }
}

describe('createService: refused handshakes', () => {
  it('an internal service audits a caller without a certificate, naming its boundary', async () => {
    const { captured, url } = await startFastify('internal')
    await assert.rejects(callWithoutCertificate(orders.ca.certPem, url), { code: 'UND_ERR_SOCKET' })
    const records = await recordsOf(captured, 1)
    assert.equal(records.length, 1)
    assert.deepEqual(
      { ...records[0], traceId: undefined, time: undefined },
      {
        level: 'info',
        service: 'orders-api',
        boundary: 'TB06',
        address: '127.0.0.1',
        decision: 'deny',
        reason: 'mtls.handshake_no_certificate',
        audit: true,
        msg: 'deny mtls.handshake_no_certificate',
        traceId: undefined,
        time: undefined,
      },
    )
  })

  it('an edge service asks for no certificate, so it has nothing to audit', async () => {
    const { captured, url } = await startFastify('edge')
    const res = await callWithoutCertificate(orders.ca.certPem, url)
    assert.equal(res.status, 200)
    assert.deepEqual(captured.records(), [])
  })
})

describe('runExpressService: refused handshakes', () => {
  it('with an audit logger, an internal listener audits the refusal', async () => {
    const captured = captureAudit('shipping-api')
    const app = express()
    app.get('/healthz', (_req, res) => res.json({ status: 'ok' }))
    const server = await runExpressService(app, shipping.identity, {
      host: '127.0.0.1',
      port: 0,
      exposure: 'internal',
      audit: captured.audit,
    })
    after(() => {
      server.closeAllConnections()
      server.close()
    })
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`
    await assert.rejects(callWithoutCertificate(shipping.ca.certPem, url), {
      code: 'UND_ERR_SOCKET',
    })
    const records = await recordsOf(captured, 1)
    assert.deepEqual(
      records.map((r) => [r.reason, r.boundary, r.address]),
      // shipping-api's callers cross no boundary of the table: the record names none.
      [['mtls.handshake_no_certificate', undefined, '127.0.0.1']],
    )
  })
})

describe('inboundBoundary', () => {
  it('is the one boundary all calls to the service cross', () => {
    assert.equal(inboundBoundary('my-shopping-api'), 'TB04')
    assert.equal(inboundBoundary('orders-api'), 'TB06')
    assert.equal(inboundBoundary('tokenization-api'), 'TB07')
  })

  it('is undefined for several boundaries, an unnamed one, or no caller', () => {
    assert.equal(inboundBoundary('idp'), undefined)
    assert.equal(inboundBoundary('shipping-api'), undefined)
    assert.equal(inboundBoundary('web'), undefined)
  })
})
