/**
 * CLIENT spans over real mTLS: a hop that calls another workload opens a CLIENT span under its
 * own SERVER span and sends that span's id as the `traceparent` parent, so every span of the
 * chain has a parent that exists in the same trace (what a standard viewer needs). The CLIENT
 * span names the server it authenticated and belongs to the same user as its hop.
 *
 * A call to a workload that records its own SERVER span in the same store (`serverTraced`, a
 * retail hop) is no CLIENT span: the callee's SERVER span hangs directly from the caller's, and a
 * call that ends without an answer (nothing listening) is an event of the caller's span, since
 * the callee has no span to show it.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { CALL_FAILED_EVENT, parseTraceparent, TRUST_ATTRIBUTES } from '@mythical/audit'
import { createMtlsAgent } from '@mythical/mtls'
import { startTestTracing, withoutActiveSpan, type TestTracing } from '@mythical/telemetry/testing'
import type { FastifyInstance } from 'fastify'
import { Agent, request } from 'undici'
import { createService } from '../src/index.ts'
import { createTestSecrets } from '../src/testing/index.ts'
import { captureAudit } from './helpers/capture-audit.ts'
import { freePort } from './helpers/free-port.ts'

const front = await createTestSecrets('order-fulfillment-api')
const back = await createTestSecrets('orders-api', { ca: front.ca })
const caller = await createTestSecrets('my-shopping-api', { ca: front.ca })
const tracing = startTestTracing('order-fulfillment-api', front.identity)

const frontAudit = captureAudit('order-fulfillment-api').audit
const backAudit = captureAudit('orders-api').audit
let frontApp: FastifyInstance
let backApp: FastifyInstance
let frontUrl: string
const toFront = new Agent({
  connect: { ca: [front.ca.certPem], cert: caller.identity.certPem, key: caller.identity.keyPem },
})
const toBack = createMtlsAgent(front.identity, { allowedServerIds: [back.identity.spiffeId] })
const toTracedBack = createMtlsAgent(front.identity, {
  allowedServerIds: [back.identity.spiffeId],
  serverTraced: true,
})

type ReadableSpan = Awaited<ReturnType<TestTracing['spans']>>[number]
/** OpenTelemetry API `SpanKind` values. */
const SpanKind = { SERVER: 1, CLIENT: 2 } as const

const listen = async (app: FastifyInstance) => {
  await app.listen({ host: '127.0.0.1', port: 0 })
  return `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

before(async () => {
  backApp = await createService({
    name: 'orders-api',
    identity: back.identity,
    exposure: 'internal',
    audit: backAudit,
  })
  backApp.get('/orders', { config: { allowedCallers: [front.identity.spiffeId] } }, async () => ({
    orders: [],
  }))
  const backUrl = await listen(backApp)

  frontApp = await createService({
    name: 'order-fulfillment-api',
    identity: front.identity,
    exposure: 'internal',
    audit: frontAudit,
  })
  const allowedCallers = [caller.identity.spiffeId]
  frontApp.get('/orders', { config: { allowedCallers } }, async (req) => {
    // The hop acts for Katie (the kit's token check records this decision on the hop span).
    frontAudit.decision({
      traceId: req.traceContext.traceId,
      decision: 'allow',
      reason: 'test.user',
      subject: 'katie-sub',
    })
    // A call whose async context was lost still hangs from the hop (found by trace id). It goes
    // first: both workloads share this process, and the back hop's end forgets the trace's entry.
    const lost = await withoutActiveSpan(() => request(`${backUrl}/orders`, { dispatcher: toBack }))
    await lost.body.dump()
    const direct = await request(`${backUrl}/orders?page=1`, { dispatcher: toBack })
    await direct.body.dump()
    return { orders: [] }
  })
  frontApp.get('/orders-traced', { config: { allowedCallers } }, async () => {
    const answer = await request(`${backUrl}/orders?page=1`, { dispatcher: toTracedBack })
    await answer.body.dump()
    return { orders: [] }
  })
  const downUrl = `https://127.0.0.1:${await freePort()}`
  frontApp.get('/orders-down', { config: { allowedCallers } }, async (_req, reply) => {
    await request(`${downUrl}/orders?page=1`, { dispatcher: toTracedBack }).catch(() => undefined)
    return reply.code(503).send({})
  })
  frontUrl = await listen(frontApp)
})
after(async () => {
  await frontApp.close()
  await backApp.close()
  await toFront.close()
  await toBack.close()
  await toTracedBack.close()
  await tracing.shutdown()
})

/** Calls the front hop without a traceparent (it starts the trace); the trace's spans. */
async function chain(
  path = '/orders',
  status = 200,
): Promise<{ traceId: string; spans: ReadableSpan[] }> {
  const response = await request(`${frontUrl}${path}`, { dispatcher: toFront })
  assert.equal(response.statusCode, status)
  await response.body.dump()
  const echoed = parseTraceparent(String(response.headers.traceparent))
  assert.ok(echoed)
  // The back hop's spans end before the front answers; the batch processor exports on flush.
  const spans = (await tracing.spans()).filter((s) => s.spanContext().traceId === echoed.traceId)
  return { traceId: echoed.traceId, spans }
}

const ofKind = (spans: ReadableSpan[], kind: number) => spans.filter((s) => s.kind === kind)

describe('CLIENT spans of outgoing calls', () => {
  it('every span of the chain has its parent in the same trace', async () => {
    const { spans } = await chain()
    assert.equal(spans.length, 5, spans.map((s) => `${s.kind} ${s.name}`).join(', '))
    const ids = new Set(spans.map((s) => s.spanContext().spanId))
    const roots = spans.filter((s) => s.parentSpanContext === undefined)
    assert.equal(roots.length, 1, 'one root: the hop that started the trace')
    for (const span of spans) {
      const parent = span.parentSpanContext?.spanId
      if (parent !== undefined)
        assert.ok(ids.has(parent), `${span.name}: parent ${parent} exported`)
    }
  })

  it('the callee continues the CLIENT span, which hangs from the caller’s hop', async () => {
    const { spans } = await chain()
    const [frontHop] = ofKind(spans, SpanKind.SERVER).filter((s) => !s.parentSpanContext)
    assert.ok(frontHop)
    const clients = ofKind(spans, SpanKind.CLIENT)
    assert.equal(clients.length, 2)
    for (const client of clients) {
      assert.equal(client.parentSpanContext?.spanId, frontHop.spanContext().spanId)
      const callee = spans.find(
        (s) =>
          s.kind === SpanKind.SERVER && s.parentSpanContext?.spanId === client.spanContext().spanId,
      )
      assert.ok(callee, `${client.name}: the callee's SERVER span is its child`)
      assert.equal(callee.attributes[TRUST_ATTRIBUTES.workload], back.identity.spiffeId)
    }
  })

  it('names the authenticated server and the user, never the query string', async () => {
    const { spans } = await chain()
    for (const client of ofKind(spans, SpanKind.CLIENT)) {
      assert.equal(client.name, 'GET /orders')
      assert.equal(client.attributes[TRUST_ATTRIBUTES.peer], back.identity.spiffeId)
      assert.equal(client.attributes[TRUST_ATTRIBUTES.enduser], 'katie-sub')
      assert.equal(client.attributes[TRUST_ATTRIBUTES.status], 200)
      assert.ok(!JSON.stringify(client.attributes).includes('page=1'))
    }
  })
})

describe('calls to a workload that traces itself', () => {
  it('the callee’s SERVER span hangs from the caller’s: no CLIENT span, no dangling parent', async () => {
    const { spans } = await chain('/orders-traced')
    assert.deepEqual(
      spans.map((s) => s.kind),
      [SpanKind.SERVER, SpanKind.SERVER],
    )
    const frontHop = spans.find((s) => s.parentSpanContext === undefined)
    const backHop = spans.find((s) => s.parentSpanContext !== undefined)
    assert.ok(frontHop && backHop)
    assert.equal(backHop.parentSpanContext?.spanId, frontHop.spanContext().spanId)
    assert.equal(backHop.attributes[TRUST_ATTRIBUTES.workload], back.identity.spiffeId)
    assert.equal(backHop.attributes[TRUST_ATTRIBUTES.peer], front.identity.spiffeId)
    assert.ok(!frontHop.events.some((e) => e.name === CALL_FAILED_EVENT))
  })

  it('a call that gets no answer is an event of the caller’s span, without the query', async () => {
    const { spans } = await chain('/orders-down', 503)
    assert.equal(spans.length, 1)
    const failed = spans[0]?.events.find((e) => e.name === CALL_FAILED_EVENT)
    assert.ok(failed, 'the failed call is recorded on the hop')
    assert.equal(failed.attributes?.['error.type'], 'ECONNREFUSED')
    assert.equal(failed.attributes?.['url.path'], '/orders')
    assert.equal(failed.attributes?.[TRUST_ATTRIBUTES.peer], back.identity.spiffeId)
  })
})
