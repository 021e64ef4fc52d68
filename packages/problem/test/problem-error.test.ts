import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { PROBLEM_TYPE_BASE, ProblemError, problemType } from '../src/index.ts'

describe('ProblemError', () => {
  it('keeps status, code, title, detail, cause, extensions and headers', () => {
    const cause = new Error('low-level')
    const err = new ProblemError({
      status: 409,
      code: 'ZT_ERR_ORDER_EXISTS',
      title: 'Order already exists',
      detail: 'order 42 exists',
      cause,
      extensions: { orderId: '42' },
      headers: { 'retry-after': '1' },
    })
    assert.ok(err instanceof Error)
    assert.equal(err.name, 'ProblemError')
    assert.equal(err.status, 409)
    assert.equal(err.code, 'ZT_ERR_ORDER_EXISTS')
    assert.equal(err.title, 'Order already exists')
    assert.equal(err.detail, 'order 42 exists')
    assert.equal(err.message, 'order 42 exists')
    assert.equal(err.cause, cause)
    assert.deepEqual(err.extensions, { orderId: '42' })
    assert.deepEqual(err.headers, { 'retry-after': '1' })
  })

  it('uses the title as message and has no detail or cause when none is given', () => {
    const err = new ProblemError({ status: 400, code: 'ZT_ERR_X', title: 'X' })
    assert.equal(err.message, 'X')
    assert.equal(err.detail, undefined)
    assert.equal('cause' in err, false)
  })

  it('takes name from the subclass', () => {
    class TokenExpired extends ProblemError {}
    const err = new TokenExpired({ status: 401, code: 'ZT_ERR_TOKEN_EXPIRED', title: 'Expired' })
    assert.equal(err.name, 'TokenExpired')
  })

  for (const status of [399, 600, 200, 404.5, Number.NaN]) {
    it(`rejects status ${status}`, () => {
      assert.throws(() => new ProblemError({ status, code: 'ZT_ERR_X', title: 'X' }), {
        name: 'TypeError',
        message: '"status" must be an integer 400-599',
      })
    })
  }

  for (const code of ['ERR_X', 'zt_err_x', 'ZT_ERR_', 'ZT_ERR_A__B', 'ZT_ERR_A-B', '']) {
    it(`rejects code ${JSON.stringify(code)}`, () => {
      assert.throws(() => new ProblemError({ status: 400, code, title: 'X' }), {
        name: 'TypeError',
        message: '"code" must be an upper-case ZT_ERR_* code',
      })
    })
  }
})

describe('problemType', () => {
  it('appends the code to the problem base URI', () => {
    assert.equal(
      problemType('ZT_ERR_FORBIDDEN'),
      'https://mythical.example/problems/ZT_ERR_FORBIDDEN',
    )
    assert.equal(PROBLEM_TYPE_BASE, 'https://mythical.example/problems/')
  })
})
