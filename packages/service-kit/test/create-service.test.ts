import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { PROBLEM_CONTENT_TYPE } from '@mythical/problem'
import { createService, type ServiceOptions } from '../src/index.ts'
import { createTestSecrets } from '../src/testing/index.ts'
import { captureAudit } from './helpers/capture-audit.ts'

const secrets = await createTestSecrets('orders-api')
after(() => secrets.cleanup())

const FULFILLMENT = 'spiffe://retail.mythical.example/order-fulfillment-api'

async function build(opts: Partial<ServiceOptions> = {}) {
  const captured = captureAudit('orders-api')
  const app = await createService({
    name: 'orders-api',
    identity: secrets.identity,
    exposure: 'internal',
    audit: captured.audit,
    ...opts,
  })
  after(() => app.close())
  return { app, ...captured }
}

describe('createService: health', () => {
  it('GET /healthz answers 200 {status: ok}', async () => {
    const { app } = await build()
    const res = await app.inject({ method: 'GET', url: '/healthz' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { status: 'ok' })
  })

  it('GET /readyz answers 200 when every check passes', async () => {
    const { app } = await build({ readiness: { database: async () => {}, broker: async () => {} } })
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { status: 'ok', checks: { database: 'ok', broker: 'ok' } })
  })

  it('GET /readyz answers 503 naming the failing check, never its error text', async () => {
    const { app, lines } = await build({
      readiness: {
        database: async () => {
          throw new Error('password authentication failed for user "orders_api"')
        },
        broker: async () => {},
      },
    })
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(res.statusCode, 503)
    assert.equal(res.headers['content-type'], `${PROBLEM_CONTENT_TYPE}; charset=utf-8`)
    const body = res.json()
    assert.equal(body.code, 'ZT_ERR_DEPENDENCY_UNAVAILABLE')
    assert.equal(body.detail, 'readiness check "database" failed')
    assert.deepEqual(body.checks, { database: 'failed', broker: 'ok' })
    assert.doesNotMatch(res.body, /password|orders_api/)
    // The operator still finds the cause in the log.
    assert.ok(lines().some((l) => l.msg === 'readiness check failed' && l.check === 'database'))
  })

  it('GET /readyz counts a hung check as failed', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const { app } = await build({ readiness: { broker: () => new Promise<void>(() => {}) } })
    const pending = app.inject({ method: 'GET', url: '/readyz' })
    // Let the request reach the check before the clock moves.
    await new Promise((resolve) => setImmediate(resolve))
    t.mock.timers.tick(2500)
    const res = await pending
    assert.equal(res.statusCode, 503)
    assert.equal(res.json().detail, 'readiness check "broker" failed')
  })

  it('refuses readiness check names that are not kebab-case at boot', async () => {
    await assert.rejects(build({ readiness: { 'Data Base': async () => {} } }), {
      name: 'TypeError',
      message: '"readiness" option: check name "Data Base" must be lower-case kebab-case',
    })
  })
})

describe('createService: identity', () => {
  it('refuses to start with another workload certificate', async () => {
    await assert.rejects(build({ name: 'customers-api' }), {
      name: 'TypeError',
      message:
        '"identity" is spiffe://retail.mythical.example/orders-api, ' +
        'not a workload certificate of service "customers-api"',
    })
  })
})

describe('createService: traceparent', () => {
  const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

  it('continues the caller trace with a new span and echoes it', async () => {
    const { app } = await build()
    app.get('/trace', async (request) => request.traceContext)
    const res = await app.inject({
      method: 'GET',
      url: '/trace',
      headers: { traceparent: incoming },
    })
    const echoed = String(res.headers.traceparent)
    assert.match(echoed, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/)
    assert.notEqual(echoed.split('-')[2], '00f067aa0ba902b7')
    assert.equal(res.json().traceId, '4bf92f3577b34da6a3ce929d0e0e4736')
    assert.equal(echoed, `00-${res.json().traceId}-${res.json().parentId}-01`)
  })

  it('starts a new trace without or with a malformed traceparent', async () => {
    const { app } = await build()
    for (const headers of [{}, { traceparent: '00-XYZ-00f067aa0ba902b7-01' }]) {
      const res = await app.inject({ method: 'GET', url: '/healthz', headers })
      assert.match(String(res.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
      assert.doesNotMatch(String(res.headers.traceparent), /4bf92f35/)
    }
  })
})

describe('createService: problem+json', () => {
  it('answers an unknown route with a 404 problem carrying the trace id', async () => {
    const { app } = await build()
    const res = await app.inject({ method: 'GET', url: '/nope?token=secret' })
    assert.equal(res.statusCode, 404)
    assert.equal(res.headers['content-type'], `${PROBLEM_CONTENT_TYPE}; charset=utf-8`)
    const traceId = String(res.headers.traceparent).split('-')[1]
    assert.deepEqual(res.json(), {
      type: 'https://mythical.example/problems/ZT_ERR_NOT_FOUND',
      title: 'Not found',
      status: 404,
      instance: '/nope',
      code: 'ZT_ERR_NOT_FOUND',
      traceId,
    })
  })

  it('answers an unexpected error with a bare 500, no message or stack', async () => {
    const { app } = await build()
    app.get('/boom', async () => {
      throw new Error('SELECT * FROM cards WHERE pan = 4111111111111111')
    })
    const res = await app.inject({ method: 'GET', url: '/boom' })
    assert.equal(res.statusCode, 500)
    assert.equal(res.json().code, 'ZT_ERR_INTERNAL')
    assert.doesNotMatch(res.body, /SELECT|4111|stack|at /)
  })
})

describe('createService: allowedCallers without a client certificate', () => {
  it('answers 401 ZT_ERR_MTLS_REQUIRED and audits the deny', async () => {
    const { app, records } = await build({ exposure: 'edge' })
    app.get('/orders', { config: { allowedCallers: [FULFILLMENT] } }, async () => ({ ok: true }))
    const res = await app.inject({ method: 'GET', url: '/orders' })
    assert.equal(res.statusCode, 401)
    assert.equal(res.json().code, 'ZT_ERR_MTLS_REQUIRED')
    const [record] = records()
    assert.equal(record?.decision, 'deny')
    assert.equal(record?.reason, 'mtls.client_certificate_required')
    assert.equal(record?.route, 'GET /orders')
    assert.equal(record?.traceId, String(res.headers.traceparent).split('-')[1])
  })

  it('refuses a malformed allow-list when the route is added', async () => {
    const { app } = await build()
    assert.throws(
      () => app.get('/x', { config: { allowedCallers: ['order-fulfillment-api'] } }, async () => 1),
      {
        name: 'TypeError',
        message: 'route GET /x: "config.allowedCallers" has an invalid SPIFFE id',
      },
    )
    assert.throws(() => app.get('/y', { config: { allowedCallers: [] } }, async () => 1), {
      message: 'route GET /y: "config.allowedCallers" must be a non-empty array',
    })
  })
})
