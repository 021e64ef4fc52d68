import assert from 'node:assert/strict'
import { createServer, type ServerOptions } from 'node:https'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import type { TLSSocket } from 'node:tls'
import { Agent, request, type Dispatcher } from 'undici'
import {
  createMtlsAgent,
  mtlsServerOptions,
  peerWorkloadId,
  type WorkloadIdentity,
} from '../src/index.ts'
import { createCa, createIdentity } from './helpers/identities.ts'

const retailCa = await createCa('retail')
const cardvaultCa = await createCa('cardvault')
const ordersApi = await createIdentity(retailCa, 'retail', 'orders-api')
const fulfillment = await createIdentity(retailCa, 'retail', 'order-fulfillment-api')
const impostor = await createIdentity(cardvaultCa, 'retail', 'order-fulfillment-api')
const vault = await createIdentity(cardvaultCa, 'cardvault', 'tokenization-api')

const servers: { close(): void; closeAllConnections(): void }[] = []
const agents: Dispatcher[] = []
after(async () => {
  await Promise.all(agents.map((a) => a.close()))
  for (const s of servers) {
    s.closeAllConnections()
    s.close()
  }
})

/** Starts an HTTPS server that answers with the SPIFFE id of its verified peer. */
async function startServer(options: ServerOptions) {
  let handled = 0
  const server = createServer(options, (req, res) => {
    handled += 1
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ peer: peerWorkloadId(req.socket as TLSSocket) ?? null }))
  })
  const tlsErrors: string[] = []
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => tlsErrors.push(String(err.code)))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `https://127.0.0.1:${port}/`, handled: () => handled, tlsErrors }
}

async function call(url: string, dispatcher: Dispatcher) {
  agents.push(dispatcher)
  const res = await request(url, { dispatcher })
  return { status: res.statusCode, body: (await res.body.json()) as { peer: string | null } }
}

/** The low-level error behind undici's rejection (undici wraps TLS errors only sometimes). */
async function failure(promise: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  try {
    await promise
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException }
    return e.cause ?? e
  }
  assert.fail('expected the request to fail')
}

describe('mutual TLS between workloads', () => {
  it('lets a workload with a certificate from the trusted CA in and names it', async () => {
    const server = await startServer(mtlsServerOptions(ordersApi))
    const res = await call(server.url, createMtlsAgent(fulfillment))
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { peer: 'spiffe://retail.mythical.example/order-fulfillment-api' })
  })

  it('refuses the handshake when the caller presents no certificate', async () => {
    const server = await startServer(mtlsServerOptions(ordersApi))
    const noCert = new Agent({ connect: { ca: [retailCa.certPem] } })
    const err = await failure(call(server.url, noCert))
    assert.equal(err.code, 'UND_ERR_SOCKET')
    assert.deepEqual(server.tlsErrors, ['ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE'])
    assert.equal(server.handled(), 0)
  })

  it('refuses the handshake when the caller certificate comes from another CA', async () => {
    const server = await startServer(mtlsServerOptions(ordersApi))
    const err = await failure(
      call(server.url, createMtlsAgent(impostor, { trustedCaPem: [retailCa.certPem] })),
    )
    assert.equal(err.code, 'UND_ERR_SOCKET')
    // The server aborts right after verifying the chain; the client only sees the socket close.
    assert.equal(server.tlsErrors.length, 1)
    assert.equal(server.handled(), 0)
  })

  it('accepts a partner CA only when the listener trusts it via extraCaPem', async () => {
    const server = await startServer(
      mtlsServerOptions(ordersApi, { extraCaPem: [cardvaultCa.certPem] }),
    )
    const res = await call(server.url, createMtlsAgent(vault, { trustedCaPem: [retailCa.certPem] }))
    assert.deepEqual(res.body, { peer: 'spiffe://cardvault.mythical.example/tokenization-api' })
  })

  it('edge listeners accept TLS without a client certificate and see no peer id', async () => {
    const server = await startServer(
      mtlsServerOptions(ordersApi, { requireClientCertificate: false }),
    )
    const res = await call(server.url, new Agent({ connect: { ca: [retailCa.certPem] } }))
    assert.deepEqual(res.body, { peer: null })
  })
})

describe('createMtlsAgent server verification', () => {
  it('connects when the server presents an allowed SPIFFE id', async () => {
    const server = await startServer(mtlsServerOptions(ordersApi))
    const agent = createMtlsAgent(fulfillment, {
      allowedServerIds: ['spiffe://retail.mythical.example/orders-api'],
    })
    assert.equal((await call(server.url, agent)).status, 200)
  })

  it('refuses a server with an unexpected SPIFFE id', async () => {
    const customers = await createIdentity(retailCa, 'retail', 'customers-api')
    const server = await startServer(mtlsServerOptions(customers))
    const agent = createMtlsAgent(fulfillment, {
      allowedServerIds: ['spiffe://retail.mythical.example/orders-api'],
    })
    const err = await failure(call(server.url, agent))
    assert.equal(err.code, 'ERR_MTLS_SERVER_NOT_ALLOWED')
    assert.equal(
      err.message,
      'server presented SPIFFE id "spiffe://retail.mythical.example/customers-api", ' +
        'which is not in the allow-list',
    )
    assert.equal(server.handled(), 0)
  })

  it('trusts only its own domain CA by default', async () => {
    const server = await startServer(mtlsServerOptions(vault, { extraCaPem: [retailCa.certPem] }))
    const err = await failure(call(server.url, createMtlsAgent(fulfillment)))
    assert.equal(err.code, 'SELF_SIGNED_CERT_IN_CHAIN')
    assert.equal(server.handled(), 0)
  })

  it('rejects malformed options eagerly', () => {
    assert.throws(() => createMtlsAgent(fulfillment, { allowedServerIds: ['orders-api'] }), {
      code: 'ERR_MTLS_INVALID_OPTION',
      message: '"allowedServerIds" option contains an invalid SPIFFE id: "orders-api"',
    })
    assert.throws(() => createMtlsAgent(fulfillment, { allowedServerIds: [] }), {
      code: 'ERR_MTLS_INVALID_OPTION',
    })
    assert.throws(() => createMtlsAgent(fulfillment, { keepAliveTimeout: -1 }), {
      code: 'ERR_MTLS_INVALID_OPTION',
      message: '"keepAliveTimeout" option must be a non-negative integer',
    })
  })
})

describe('peerWorkloadId', () => {
  it('is undefined for an unauthorized socket even if it carries a certificate', () => {
    const socket = {
      authorized: false,
      getPeerCertificate: () => assert.fail('must not read an unverified certificate'),
    } as unknown as TLSSocket
    assert.equal(peerWorkloadId(socket), undefined)
  })
})

// Keeps the type import honest: identities used above are WorkloadIdentity values.
const _typed: WorkloadIdentity[] = [ordersApi, fulfillment, impostor, vault]
void _typed
