import { test } from 'node:test'
import assert from 'node:assert/strict'
import Fastify from 'fastify'
import { Writable } from 'node:stream'
import { fastifyProblemHandler } from '@mythical/problem'
import { describeError } from '../src/index.ts'

test('describeError keeps names and codes of the cause chain, never messages', () => {
  const root = Object.assign(new Error('connect to postgres://svc:hunter2@db failed'), {
    code: 'ECONNREFUSED',
  })
  const summary = describeError(new Error('card 4111111111111111 declined', { cause: root }))
  assert.deepEqual(summary, [{ name: 'Error' }, { name: 'Error', code: 'ECONNREFUSED' }])
  assert.doesNotMatch(JSON.stringify(summary), /hunter2|4111|postgres/)
})

test('describeError handles non-errors and cycles', () => {
  assert.deepEqual(describeError('boom'), [{ name: 'string' }])
  const a: Error & { cause?: unknown } = new Error('a')
  a.cause = a
  assert.equal(describeError(a).length, 5)
})

test('a 500 is logged without message or stack', async (t) => {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const app = Fastify({ logger: { level: 'info', stream } })
  t.after(() => app.close())
  const problems = fastifyProblemHandler()
  app.setErrorHandler(problems.errorHandler)
  app.get('/boom', async () => {
    throw new Error('secret token eyJhbGciOi at /srv/app.ts:12')
  })
  const res = await app.inject({ method: 'GET', url: '/boom' })
  assert.equal(res.statusCode, 500)
  const logged = lines.join('')
  assert.match(logged, /request failed/)
  assert.match(logged, /ZT_ERR_INTERNAL/)
  assert.doesNotMatch(logged, /secret token|eyJhbGciOi|\.ts:\d+|"stack"/)
})
