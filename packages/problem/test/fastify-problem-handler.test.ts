import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { fastifyProblemHandler, PeerNotAllowed, Unauthenticated } from '../src/index.ts'

const PROBLEM_JSON = /^application\/problem\+json/

/** An app with the problem handlers and a few routes that fail in different ways. */
function buildApp(lines: string[] = []): FastifyInstance {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const app = fastify({ bodyLimit: 64, logger: { level: 'error', stream } })
  const problems = fastifyProblemHandler({
    traceId: (request) => (request.headers['x-test-trace'] as string | undefined) ?? undefined,
  })
  app.setErrorHandler(problems.errorHandler)
  app.setNotFoundHandler(problems.notFoundHandler)
  app.get('/peer', async () => {
    throw new PeerNotAllowed('spiffe://retail.mythical.example/web')
  })
  app.get('/challenge', async () => {
    throw new Unauthenticated(undefined, {
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    })
  })
  app.get('/crash', async () => {
    throw new Error('secret 4111111111111111')
  })
  app.post(
    '/orders',
    {
      schema: {
        body: {
          type: 'object',
          required: ['quantity'],
          properties: { quantity: { type: 'integer' } },
        },
      },
    },
    async () => ({ ok: true }),
  )
  return app
}

describe('fastifyProblemHandler', () => {
  it('answers a ProblemError with its status, media type and document', async (t) => {
    const app = buildApp()
    t.after(() => app.close())
    const res = await app.inject({
      url: '/peer?access_token=abc',
      headers: { 'x-test-trace': '4bf92f3577b34da6a3ce929d0e0e4736' },
    })
    assert.equal(res.statusCode, 403)
    assert.match(res.headers['content-type'] ?? '', PROBLEM_JSON)
    assert.deepEqual(res.json(), {
      type: 'https://mythical.example/problems/ZT_ERR_PEER_NOT_ALLOWED',
      title: 'Peer not allowed',
      status: 403,
      detail: 'spiffe://retail.mythical.example/web',
      instance: '/peer',
      code: 'ZT_ERR_PEER_NOT_ALLOWED',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    })
  })

  it('sets the headers a problem asks for', async (t) => {
    const app = buildApp()
    t.after(() => app.close())
    const res = await app.inject({ url: '/challenge' })
    assert.equal(res.statusCode, 401)
    assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"')
    assert.equal(res.json().code, 'ZT_ERR_UNAUTHENTICATED')
  })

  it('hides an unexpected error behind a bare 500 and logs it server-side', async (t) => {
    const lines: string[] = []
    const app = buildApp(lines)
    t.after(() => app.close())
    const res = await app.inject({ url: '/crash' })
    assert.equal(res.statusCode, 500)
    assert.match(res.headers['content-type'] ?? '', PROBLEM_JSON)
    assert.deepEqual(res.json(), {
      type: 'https://mythical.example/problems/ZT_ERR_INTERNAL',
      title: 'Internal server error',
      status: 500,
      instance: '/crash',
      code: 'ZT_ERR_INTERNAL',
    })
    assert.equal(res.body.includes('4111'), false)
    assert.equal(res.body.includes('secret'), false)
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; code?: string })
    assert.ok(
      logged.some((entry) => entry.msg === 'request failed' && entry.code === 'ZT_ERR_INTERNAL'),
    )
  })

  it('does not log client errors as failures', async (t) => {
    const lines: string[] = []
    const app = buildApp(lines)
    t.after(() => app.close())
    await app.inject({ url: '/peer' })
    assert.deepEqual(lines, [])
  })

  it('answers an unknown route with ZT_ERR_NOT_FOUND', async (t) => {
    const app = buildApp()
    t.after(() => app.close())
    const res = await app.inject({ url: '/nope?card=4111111111111111' })
    assert.equal(res.statusCode, 404)
    assert.match(res.headers['content-type'] ?? '', PROBLEM_JSON)
    assert.deepEqual(res.json(), {
      type: 'https://mythical.example/problems/ZT_ERR_NOT_FOUND',
      title: 'Not found',
      status: 404,
      instance: '/nope',
      code: 'ZT_ERR_NOT_FOUND',
    })
  })

  it('maps schema validation failures to ZT_ERR_VALIDATION', async (t) => {
    const app = buildApp()
    t.after(() => app.close())
    const res = await app.inject({ method: 'POST', url: '/orders', payload: { quantity: 'many' } })
    assert.equal(res.statusCode, 400)
    const doc = res.json()
    assert.equal(doc.code, 'ZT_ERR_VALIDATION')
    assert.deepEqual(doc.errors, [{ in: 'body', pointer: '/quantity', detail: 'must be integer' }])
  })

  it('maps malformed JSON to 400 without echoing the parser message', async (t) => {
    const app = buildApp()
    t.after(() => app.close())
    const res = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/json' },
      payload: '{"quantity": 4111111111111111',
    })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().code, 'ZT_ERR_BAD_REQUEST')
    assert.equal(res.body.includes('4111'), false)
  })

  it('maps an oversized body to 413', async (t) => {
    const app = buildApp()
    t.after(() => app.close())
    const res = await app.inject({
      method: 'POST',
      url: '/orders',
      payload: { quantity: 1, padding: 'x'.repeat(100) },
    })
    assert.equal(res.statusCode, 413)
    assert.equal(res.json().code, 'ZT_ERR_PAYLOAD_TOO_LARGE')
  })

  it('maps an unsupported media type to 415', async (t) => {
    const app = buildApp()
    t.after(() => app.close())
    const res = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/xml' },
      payload: '<quantity>1</quantity>',
    })
    assert.equal(res.statusCode, 415)
    assert.equal(res.json().code, 'ZT_ERR_UNSUPPORTED_MEDIA_TYPE')
  })
})
