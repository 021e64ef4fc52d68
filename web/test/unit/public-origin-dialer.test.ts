import assert from 'node:assert/strict'
import { createServer as createHttpsServer } from 'node:https'
import { createServer, type AddressInfo, type Server } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { after, before, describe, it } from 'node:test'
import { createTestCa, createTestSecrets } from '@mythical/service-kit/testing'
import { request } from 'undici'
import { publicOriginDialer } from '../../src/bff/public-origin-dialer.ts'

/** A TCP listener that counts connections and closes them (no TLS: the dial is what is tested). */
async function listener(): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0
  const server = createServer((socket) => {
    count += 1
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  assert.ok(address && typeof address === 'object')
  return { server, port: address.port, connections: () => count }
}

describe('publicOriginDialer', () => {
  let origin: Awaited<ReturnType<typeof listener>>
  let location: Awaited<ReturnType<typeof listener>>
  let other: Awaited<ReturnType<typeof listener>>

  before(async () => {
    ;[origin, location, other] = await Promise.all([listener(), listener(), listener()])
  })
  after(() => {
    for (const { server } of [origin, location, other]) server.close()
  })

  const redirecting = () =>
    publicOriginDialer({
      routes: [[`https://127.0.0.1:${origin.port}`, `https://127.0.0.1:${location.port}`]],
      ca: '',
    })
  const attempt = (dispatcher: ReturnType<typeof publicOriginDialer>, port: number) =>
    request(`https://127.0.0.1:${port}/orders`, { dispatcher }).catch((error: unknown) => error)

  it('connects to the location for requests that name the public origin', async () => {
    const dispatcher = redirecting()
    await attempt(dispatcher, origin.port)
    assert.equal(location.connections(), 1)
    assert.equal(origin.connections(), 0)
    await dispatcher.close()
  })

  it('connects to any other origin as it is', async () => {
    const dispatcher = redirecting()
    await attempt(dispatcher, other.port)
    assert.equal(other.connections(), 1)
    await dispatcher.close()
  })

  it('without a location, connects to the origin itself', async () => {
    const dispatcher = publicOriginDialer({
      routes: [[`https://127.0.0.1:${origin.port}`, undefined]],
      ca: '',
    })
    await attempt(dispatcher, origin.port)
    assert.equal(origin.connections(), 1)
    await dispatcher.close()
  })
})

describe('publicOriginDialer over TLS', () => {
  /** The public origin the requests name; nothing listens there. */
  const PUBLIC = 'https://localhost:1'
  const seen: { host?: string; servername?: string | false | null }[] = []
  let server: ReturnType<typeof createHttpsServer>
  let location = ''
  let gateway: Awaited<ReturnType<typeof createTestSecrets>>

  before(async () => {
    gateway = await createTestSecrets('gateway')
    server = createHttpsServer(
      { cert: gateway.identity.certPem, key: gateway.identity.keyPem },
      (req, res) => {
        seen.push({ host: req.headers.host, servername: (req.socket as TLSSocket).servername })
        res.end('ok')
      },
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    location = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.close()
    gateway.cleanup()
  })

  it('keeps the public Host and TLS server name, verifying the certificate against its CA', async () => {
    const dispatcher = publicOriginDialer({
      routes: [[PUBLIC, location]],
      ca: gateway.ca.certPem,
    })
    const res = await request(`${PUBLIC}/shopping/products`, { dispatcher })
    assert.equal(await res.body.text(), 'ok')
    assert.deepEqual(seen.at(-1), { host: 'localhost:1', servername: 'localhost' })
    await dispatcher.close()
  })

  it('refuses the location’s certificate when another CA signed it', async () => {
    const dispatcher = publicOriginDialer({
      routes: [[PUBLIC, location]],
      ca: (await createTestCa('shipping')).certPem,
    })
    const before = seen.length
    await assert.rejects(request(`${PUBLIC}/shopping/products`, { dispatcher }), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    })
    assert.equal(seen.length, before, 'no request reached the server')
    await dispatcher.close()
  })
})
