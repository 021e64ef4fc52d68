/**
 * The dev PKI's certificates in a real TLS handshake (node:https, OpenSSL): a retail server that
 * demands client certificates from the retail CA accepts a retail workload and refuses a
 * cardvault workload and an anonymous client; a retail client pinned to the retail CA refuses a
 * server certificate from the shipping CA. No verification is ever switched off.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { after, before, describe, it } from 'node:test'
import { SECRET_FILES, type StackPaths } from '@mythical/stack'
import { ensurePki } from '../../../src/pki/index.ts'
import { tempStack } from './temp-stack.ts'

interface Workload {
  cert: string
  key: string
  ca: string
}

const workload = (paths: StackPaths, name: string): Workload => {
  const file = (f: string) => readFileSync(join(paths.secrets(name), f), 'utf8')
  return {
    cert: file(SECRET_FILES.tlsCert),
    key: file(SECRET_FILES.tlsKey),
    ca: file(SECRET_FILES.ca),
  }
}

/** An mTLS server answering with the URI SAN of the verified client certificate. */
async function startServer(server: Workload): Promise<{ https: Server; port: number }> {
  const https = createServer(
    {
      cert: server.cert,
      key: server.key,
      ca: server.ca,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerX509Certificate()
      res.end(peer?.subjectAltName?.split(', ')[0] ?? '')
    },
  )
  https.listen(0, '127.0.0.1')
  await once(https, 'listening')
  return { https, port: (https.address() as AddressInfo).port }
}

/** GET / over TLS to 127.0.0.1, trusting only `ca`, presenting `client` when given. */
function get(port: number, ca: string, client?: { cert: string; key: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        ca,
        cert: client?.cert,
        key: client?.key,
        agent: false,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve(body))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

describe('TLS handshakes with dev PKI certificates', () => {
  let paths: StackPaths
  let remove: () => Promise<void>
  let retailServer: { https: Server; port: number }
  let shippingServer: { https: Server; port: number }
  /** Handshakes the retail server refused: the error and OpenSSL's verdict on the client cert. */
  const refused: { message: string; authorizationError: string | undefined }[] = []
  let handled = 0

  before(async () => {
    ;({ paths, remove } = await tempStack())
    await ensurePki(paths)
    retailServer = await startServer(workload(paths, 'orders-api'))
    retailServer.https.on('tlsClientError', (error, socket) =>
      refused.push({
        message: error.message,
        authorizationError: socket.authorizationError?.toString(),
      }),
    )
    retailServer.https.on('request', () => (handled += 1))
    shippingServer = await startServer(workload(paths, 'shipping-api'))
  })
  after(async () => {
    retailServer.https.close()
    shippingServer.https.close()
    await remove()
  })

  it('accepts a retail client certificate and sees its SPIFFE id', async () => {
    const client = workload(paths, 'order-fulfillment-api')
    const body = await get(retailServer.port, client.ca, client)
    assert.equal(body, 'URI:spiffe://retail.mythical.example/order-fulfillment-api')
  })

  it('refuses a client certificate from the cardvault CA', async () => {
    const cardvault = workload(paths, 'tokenization-api')
    const retailCa = workload(paths, 'order-fulfillment-api').ca
    const [refusedBefore, handledBefore] = [refused.length, handled]
    // Node checks the client chain once the handshake is done and then drops the connection
    // without an alert: the client sees a reset, the server knows why.
    await assert.rejects(get(retailServer.port, retailCa, cardvault), { code: 'ECONNRESET' })
    assert.equal(refused.length, refusedBefore + 1)
    assert.equal(refused.at(-1)?.authorizationError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    assert.equal(handled, handledBefore, 'no request reached the handler')
  })

  it('refuses a client without a certificate', async () => {
    const retailCa = workload(paths, 'order-fulfillment-api').ca
    const [refusedBefore, handledBefore] = [refused.length, handled]
    // A missing certificate fails inside OpenSSL's handshake, which sends a TLS 1.3 alert.
    await assert.rejects(get(retailServer.port, retailCa), {
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    })
    assert.equal(refused.length, refusedBefore + 1)
    assert.match(refused.at(-1)?.message ?? '', /peer did not return a certificate/)
    assert.equal(handled, handledBefore, 'no request reached the handler')
  })

  it('refuses, as a retail client pinned to the retail CA, a server cert from the shipping CA', async () => {
    const client = workload(paths, 'order-fulfillment-api')
    await assert.rejects(get(shippingServer.port, client.ca, client), {
      // The server sends its CA along; the client trusts a different root, so the chain ends in
      // an untrusted self-signed certificate.
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    })
  })

  it('accepts the same shipping server when the client trusts the shipping CA', async () => {
    const shippingProbe = workload(paths, 'stack-probe-shipping')
    const body = await get(shippingServer.port, shippingProbe.ca, shippingProbe)
    assert.equal(body, 'URI:spiffe://shipping.mythical.example/stack-probe')
  })
})
