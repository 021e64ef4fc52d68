/**
 * The partner IdP's readiness check against a real HTTPS JWKS endpoint: ready only for a key set
 * served under a certificate of the pinned retail CA.
 */
import assert from 'node:assert/strict'
import { createServer } from 'node:https'
import type { Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { createCertificateAuthority, issueWorkloadCertificate } from '@mythical/pki'
import type { KeyAndCertificate } from '@mythical/pki'
import { jwksReachable } from '../../../src/federation/retail-jwks-check.ts'

let retailCa: KeyAndCertificate
let rogueCa: KeyAndCertificate
const servers: Server[] = []

/** Serves `body` with `status` at every path under a certificate issued by `ca`; returns the URL. */
async function serve(ca: KeyAndCertificate, status: number, body: unknown): Promise<string> {
  const tls = await issueWorkloadCertificate(ca, {
    spiffeId: 'spiffe://retail.mythical.example/idp',
  })
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `https://localhost:${(server.address() as AddressInfo).port}/jwks`
}

const KEY = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'r1' }

before(async () => {
  retailCa = await createCertificateAuthority({ name: 'Test retail CA' })
  rogueCa = await createCertificateAuthority({ name: 'Rogue CA' })
})
after(() => {
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
})

test('ready when the retail JWKS answers with keys under the retail CA', async () => {
  const url = await serve(retailCa, 200, { keys: [KEY] })
  await jwksReachable(url, retailCa.certPem)()
})

test('not ready for an error status or an empty key set', async () => {
  for (const [status, body] of [
    [404, { keys: [KEY] }],
    [200, { keys: [] }],
    [200, { nothing: true }],
  ] as const) {
    const url = await serve(retailCa, status, body)
    await assert.rejects(jwksReachable(url, retailCa.certPem)(), {
      code: 'ERR_PARTNER_JWKS_UNUSABLE',
    })
  }
})

test('not ready when the endpoint presents a certificate the retail CA did not issue', async () => {
  const url = await serve(rogueCa, 200, { keys: [KEY] })
  await assert.rejects(jwksReachable(url, retailCa.certPem)(), (err: Error) => {
    assert.notEqual((err as { code?: string }).code, 'ERR_PARTNER_JWKS_UNUSABLE')
    return true
  })
})

test('not ready when nothing listens', async () => {
  const url = await serve(retailCa, 200, { keys: [KEY] })
  const server = servers.pop()
  server?.close()
  await assert.rejects(jwksReachable(url, retailCa.certPem)())
})
