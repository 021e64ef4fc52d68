import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  BadRequest,
  ClientCertificateRequired,
  defineProblem,
  Forbidden,
  Internal,
  NotFound,
  PeerNotAllowed,
  ProblemError,
  ServiceUnavailable,
  Unauthenticated,
} from '../src/index.ts'

describe('defineProblem', () => {
  const OrderNotPayable = defineProblem('ZT_ERR_ORDER_NOT_PAYABLE', 409, 'Order cannot be paid')

  it('makes a ProblemError class with fixed code, status and title', () => {
    const err = new OrderNotPayable('already settled')
    assert.ok(err instanceof ProblemError)
    assert.ok(err instanceof OrderNotPayable)
    assert.equal(err.name, 'OrderNotPayable')
    assert.equal(err.code, 'ZT_ERR_ORDER_NOT_PAYABLE')
    assert.equal(err.status, 409)
    assert.equal(err.title, 'Order cannot be paid')
    assert.equal(err.detail, 'already settled')
    assert.equal(OrderNotPayable.code, 'ZT_ERR_ORDER_NOT_PAYABLE')
    assert.equal(OrderNotPayable.status, 409)
    assert.equal(OrderNotPayable.title, 'Order cannot be paid')
  })

  it('passes cause, extensions and headers through', () => {
    const cause = new Error('db')
    const err = new OrderNotPayable(undefined, {
      cause,
      extensions: { orderId: 'o1' },
      headers: { 'retry-after': '5' },
    })
    assert.equal(err.detail, undefined)
    assert.equal(err.cause, cause)
    assert.deepEqual(err.extensions, { orderId: 'o1' })
    assert.deepEqual(err.headers, { 'retry-after': '5' })
  })

  it('validates code and status when the class is defined', () => {
    assert.throws(() => defineProblem('NOT_OURS', 400, 'x'), {
      name: 'TypeError',
      message: '"code" must be an upper-case ZT_ERR_* code',
    })
    assert.throws(() => defineProblem('ZT_ERR_OK', 200, 'x'), {
      name: 'TypeError',
      message: '"status" must be an integer 400-599',
    })
  })

  it('classes do not match each other', () => {
    assert.equal(new Forbidden() instanceof PeerNotAllowed, false)
  })
})

describe('common problems', () => {
  const expected = [
    [BadRequest, 400, 'ZT_ERR_BAD_REQUEST', 'BadRequest'],
    [Unauthenticated, 401, 'ZT_ERR_UNAUTHENTICATED', 'Unauthenticated'],
    [ClientCertificateRequired, 401, 'ZT_ERR_MTLS_REQUIRED', 'MtlsRequired'],
    [Forbidden, 403, 'ZT_ERR_FORBIDDEN', 'Forbidden'],
    [PeerNotAllowed, 403, 'ZT_ERR_PEER_NOT_ALLOWED', 'PeerNotAllowed'],
    [NotFound, 404, 'ZT_ERR_NOT_FOUND', 'NotFound'],
    [Internal, 500, 'ZT_ERR_INTERNAL', 'Internal'],
    [ServiceUnavailable, 503, 'ZT_ERR_DEPENDENCY_UNAVAILABLE', 'DependencyUnavailable'],
  ] as const
  for (const [Problem, status, code, name] of expected) {
    it(`${code} is ${status}`, () => {
      const err = new Problem()
      assert.equal(err.status, status)
      assert.equal(err.code, code)
      assert.equal(err.name, name)
    })
  }
})
