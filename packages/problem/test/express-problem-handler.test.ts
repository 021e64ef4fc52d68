import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import {
  expressNotFoundHandler,
  expressProblemHandler,
  PeerNotAllowed,
  Unauthenticated,
} from '../src/index.ts'

const PROBLEM_JSON = /^application\/problem\+json/

describe('expressProblemHandler', () => {
  const logged: { obj: object; msg: string }[] = []
  let server: Server
  let base: string

  before(async () => {
    const app = express()
    app.use(express.json({ limit: 64 }))
    app.get('/peer', () => {
      throw new PeerNotAllowed('spiffe://cardvault.mythical.example/intruder')
    })
    app.get('/challenge', (_req, _res, next) => {
      next(new Unauthenticated(undefined, { headers: { 'www-authenticate': 'Bearer' } }))
    })
    app.get('/crash', () => {
      throw new Error('secret 4111111111111111')
    })
    app.post('/tokens', (_req, res) => {
      res.json({ ok: true })
    })
    app.use(expressNotFoundHandler())
    app.use(
      expressProblemHandler({
        traceId: (req) => req.get('x-test-trace'),
        logger: { error: (obj, msg) => logged.push({ obj, msg }) },
      }),
    )
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  after(() => {
    server.close()
  })

  it('answers a thrown ProblemError with its document', async () => {
    const res = await fetch(`${base}/peer?token=abc`, {
      headers: { 'x-test-trace': '4bf92f3577b34da6a3ce929d0e0e4736' },
    })
    assert.equal(res.status, 403)
    assert.match(res.headers.get('content-type') ?? '', PROBLEM_JSON)
    assert.deepEqual(await res.json(), {
      type: 'https://mythical.example/problems/ZT_ERR_PEER_NOT_ALLOWED',
      title: 'Peer not allowed',
      status: 403,
      detail: 'spiffe://cardvault.mythical.example/intruder',
      instance: '/peer',
      code: 'ZT_ERR_PEER_NOT_ALLOWED',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    })
  })

  it('answers next(problem) and sets its headers', async () => {
    const res = await fetch(`${base}/challenge`)
    assert.equal(res.status, 401)
    assert.equal(res.headers.get('www-authenticate'), 'Bearer')
    assert.equal(((await res.json()) as { code: string }).code, 'ZT_ERR_UNAUTHENTICATED')
  })

  it('hides an unexpected error behind a bare 500 and hands it to the logger', async () => {
    logged.length = 0
    const res = await fetch(`${base}/crash`)
    assert.equal(res.status, 500)
    const body = await res.text()
    assert.deepEqual(JSON.parse(body), {
      type: 'https://mythical.example/problems/ZT_ERR_INTERNAL',
      title: 'Internal server error',
      status: 500,
      instance: '/crash',
      code: 'ZT_ERR_INTERNAL',
    })
    assert.equal(body.includes('4111'), false)
    assert.equal(body.includes('secret'), false)
    assert.equal(logged.length, 1)
    assert.equal(logged[0]?.msg, 'request failed')
  })

  it('answers an unknown route with ZT_ERR_NOT_FOUND', async () => {
    const res = await fetch(`${base}/nope`)
    assert.equal(res.status, 404)
    assert.match(res.headers.get('content-type') ?? '', PROBLEM_JSON)
    assert.equal(((await res.json()) as { code: string }).code, 'ZT_ERR_NOT_FOUND')
  })

  it('maps body-parser errors: malformed JSON 400, oversized 413', async () => {
    const malformed = await fetch(`${base}/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"pan": "4111111111111111"',
    })
    assert.equal(malformed.status, 400)
    const body = await malformed.text()
    assert.equal((JSON.parse(body) as { code: string }).code, 'ZT_ERR_BAD_REQUEST')
    assert.equal(body.includes('4111'), false)

    const large = await fetch(`${base}/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(100) }),
    })
    assert.equal(large.status, 413)
    assert.equal(((await large.json()) as { code: string }).code, 'ZT_ERR_PAYLOAD_TOO_LARGE')
  })

  it('hands an error to express when the response has already started', () => {
    const err = new Error('failed mid-stream')
    const passed: unknown[] = []
    const res = {
      headersSent: true,
      status: () => assert.fail('must not write a second response'),
    }
    const handler = expressProblemHandler()
    handler(err, {} as express.Request, res as unknown as express.Response, (e?: unknown) => {
      passed.push(e)
    })
    assert.deepEqual(passed, [err])
  })
})
