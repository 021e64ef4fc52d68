import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { after, before, describe, it } from 'node:test'
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
