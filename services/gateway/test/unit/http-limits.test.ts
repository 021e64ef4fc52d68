/**
 * HTTP limits on a real TLS listener (they live below fastify, in Node's HTTP server): a client
 * that sends its headers too slowly (slow loris) is answered 408 and cut off, an oversized header
 * block is answered 431 — before any route or policy runs.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { connect } from 'node:tls'
import { gatewayHarness, type Harness } from '../helpers/gateway-harness.ts'

let h: Harness
let port: number

before(async () => {
  h = await gatewayHarness((policies) => {
    policies.http = { maxHeaderBytes: 2048, headersTimeoutMs: 500, requestTimeoutMs: 2000 }
  })
  await h.app.listen({ host: '127.0.0.1', port: 0 })
  port = (h.app.server.address() as AddressInfo).port
})
after(() => h.close())

/** Opens a TLS connection, writes `parts` with `gapMs` between them, returns what came back. */
function rawRequest(parts: string[], gapMs: number): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    let text = ''
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, async () => {
      for (const part of parts) {
        if (socket.destroyed) break
        socket.write(part)
        await new Promise((r) => setTimeout(r, gapMs))
      }
    })
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('close', () => resolve({ text, ms: Date.now() - started }))
    socket.on('error', (err) => (text ? resolve({ text, ms: Date.now() - started }) : reject(err)))
  })
}

describe('HTTP limits', () => {
  it('slow headers: 408 and the connection closed once the headers timeout passes', async () => {
    const drip = ['GET /shopping/products HTTP/1.1\r\n', ...Array(20).fill('X-Slow: 1\r\n')]
    const res = await rawRequest(drip, 200)
    assert.match(res.text, /^HTTP\/1\.1 408 /)
    assert.ok(res.ms < 3000, `cut off after ${res.ms} ms, not after the whole drip (4 s)`)
  })

  it('an oversized header block: 431', async () => {
    const big = `GET /shopping/products HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`
    const res = await rawRequest([big], 10)
    assert.match(res.text, /^HTTP\/1\.1 431 /)
  })
})
