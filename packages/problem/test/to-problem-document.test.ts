import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  Forbidden,
  PeerNotAllowed,
  ProblemError,
  problemHeaders,
  toProblemDocument,
  Unauthenticated,
} from '../src/index.ts'

const INTERNAL = {
  type: 'https://mythical.example/problems/ZT_ERR_INTERNAL',
  title: 'Internal server error',
  status: 500,
  code: 'ZT_ERR_INTERNAL',
}

describe('toProblemDocument', () => {
  it('renders a ProblemError with detail, instance and trace id', () => {
    const doc = toProblemDocument(new PeerNotAllowed('spiffe://retail.mythical.example/web'), {
      instance: '/orders',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    })
    assert.deepEqual(doc, {
      type: 'https://mythical.example/problems/ZT_ERR_PEER_NOT_ALLOWED',
      title: 'Peer not allowed',
      status: 403,
      detail: 'spiffe://retail.mythical.example/web',
      instance: '/orders',
      code: 'ZT_ERR_PEER_NOT_ALLOWED',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    })
  })

  it('adds extensions but never lets them replace standard members', () => {
    const err = new Forbidden('no', {
      extensions: { scope: 'orders:read', status: 200, code: 'ZT_ERR_NONE', type: 'x' },
    })
    const doc = toProblemDocument(err)
    assert.equal(doc.scope, 'orders:read')
    assert.equal(doc.status, 403)
    assert.equal(doc.code, 'ZT_ERR_FORBIDDEN')
    assert.equal(doc.type, 'https://mythical.example/problems/ZT_ERR_FORBIDDEN')
  })

  it('never leaks the cause of a ProblemError', () => {
    const doc = toProblemDocument(new Unauthenticated(undefined, { cause: new Error('jwt eyJ…') }))
    assert.equal(JSON.stringify(doc).includes('jwt'), false)
    assert.equal('detail' in doc, false)
  })

  it('turns an unknown Error into a bare 500 without its message, stack or cause', () => {
    const err = new Error('secret 4111111111111111', { cause: new Error('password=hunter2') })
    const doc = toProblemDocument(err, { instance: '/pay' })
    assert.deepEqual(doc, { ...INTERNAL, instance: '/pay' })
    const body = JSON.stringify(doc)
    for (const leak of ['secret', '4111111111111111', 'hunter2', 'at ', 'Error']) {
      assert.equal(body.includes(leak), false, `body contains ${leak}`)
    }
  })

  for (const thrown of ['a string', 42, null, undefined, { message: 'x' }, Symbol('s')]) {
    it(`turns a thrown ${String(typeof thrown)} ${String(thrown)} into 500`, () => {
      assert.deepEqual(toProblemDocument(thrown), INTERNAL)
    })
  }

  it('maps foreign 4xx errors by status without their message', () => {
    const cases = [
      [400, 'ZT_ERR_BAD_REQUEST'],
      [401, 'ZT_ERR_UNAUTHENTICATED'],
      [403, 'ZT_ERR_FORBIDDEN'],
      [404, 'ZT_ERR_NOT_FOUND'],
      [405, 'ZT_ERR_METHOD_NOT_ALLOWED'],
      [409, 'ZT_ERR_CONFLICT'],
      [413, 'ZT_ERR_PAYLOAD_TOO_LARGE'],
      [415, 'ZT_ERR_UNSUPPORTED_MEDIA_TYPE'],
      [429, 'ZT_ERR_TOO_MANY_REQUESTS'],
      [418, 'ZT_ERR_HTTP_418'],
    ] as const
    for (const [status, code] of cases) {
      const err = Object.assign(new Error('select * from cards where pan=4111111111111111'), {
        statusCode: status,
      })
      const doc = toProblemDocument(err)
      assert.equal(doc.status, status)
      assert.equal(doc.code, code)
      assert.equal('detail' in doc, false)
      assert.equal(JSON.stringify(doc).includes('4111'), false)
    }
    assert.equal(
      toProblemDocument(Object.assign(new Error(), { statusCode: 418 })).title,
      "I'm a Teapot",
    )
  })

  it('reads body-parser style `status` too', () => {
    const err = Object.assign(new Error('request entity too large'), {
      status: 413,
      type: 'entity.too.large',
    })
    assert.equal(toProblemDocument(err).code, 'ZT_ERR_PAYLOAD_TOO_LARGE')
  })

  it('maps foreign 5xx errors to 500, 503 to dependency unavailable', () => {
    const boom = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), { statusCode: 502 })
    assert.deepEqual(toProblemDocument(boom), INTERNAL)
    const down = Object.assign(new Error('pool exhausted'), { statusCode: 503 })
    const doc = toProblemDocument(down)
    assert.equal(doc.status, 503)
    assert.equal(doc.code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')
    assert.equal('detail' in doc, false)
  })

  it('ignores status values that are not an HTTP error status', () => {
    for (const statusCode of [200, 302, '400', 1000, 400.5]) {
      assert.deepEqual(toProblemDocument(Object.assign(new Error('x'), { statusCode })), INTERNAL)
    }
  })

  it('lists schema validation failures under `errors`', () => {
    const err = Object.assign(new Error('body/quantity must be integer'), {
      statusCode: 400,
      code: 'FST_ERR_VALIDATION',
      validationContext: 'body',
      validation: [{ instancePath: '/quantity', message: 'must be integer', params: {} }],
    })
    assert.deepEqual(toProblemDocument(err), {
      type: 'https://mythical.example/problems/ZT_ERR_VALIDATION',
      title: 'Request validation failed',
      status: 400,
      code: 'ZT_ERR_VALIDATION',
      errors: [{ in: 'body', pointer: '/quantity', detail: 'must be integer' }],
    })
  })

  it('caps the number of validation errors', () => {
    const validation = Array.from({ length: 50 }, (_, i) => ({
      instancePath: `/${i}`,
      message: 'x',
    }))
    const doc = toProblemDocument(Object.assign(new Error(), { statusCode: 400, validation }))
    assert.equal((doc.errors as unknown[]).length, 20)
  })
})

describe('problemHeaders', () => {
  it('returns the headers of a ProblemError', () => {
    const err = new Unauthenticated(undefined, { headers: { 'www-authenticate': 'Bearer' } })
    assert.deepEqual(problemHeaders(err), { 'www-authenticate': 'Bearer' })
  })

  it('returns none for foreign errors, whatever they carry', () => {
    const err = Object.assign(new Error(), { statusCode: 401, headers: { 'set-cookie': 'x' } })
    assert.deepEqual(problemHeaders(err), {})
    assert.deepEqual(
      problemHeaders(new ProblemError({ status: 400, code: 'ZT_ERR_X', title: 'X' })),
      {},
    )
  })
})
