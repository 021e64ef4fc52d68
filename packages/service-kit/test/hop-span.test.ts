/**
 * The hop's OpenTelemetry span, as createService produces it over a real mTLS listener: it takes
 * the span id the kit echoes in `traceparent`, continues the caller's span, names both workloads,
 * carries each audit decision as an event, marks refusals with the problem code, and never holds
 * a credential the request carried.
 */
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { DECISION_EVENT, parseTraceparent, TRUST_ATTRIBUTES } from '@mythical/audit'
import { Forbidden } from '@mythical/problem'
import { PROBLEM_CODE, REFUSAL_EVENT } from '@mythical/telemetry'
import { startTestTracing, withoutActiveSpan } from '@mythical/telemetry/testing'
import type { FastifyInstance } from 'fastify'
import { Agent, request } from 'undici'
import { createService } from '../src/index.ts'
import { createTestSecrets } from '../src/testing/index.ts'
import { captureAudit } from './helpers/capture-audit.ts'

const CALLER_ID = 'spiffe://retail.mythical.example/order-fulfillment-api'
const CALLER_SPAN = '00f067aa0ba902b7'
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
/** Looks like a usable token: it must not reach any span. */
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJrYXRpZSJ9.c2lnbmF0dXJl'

const service = await createTestSecrets('orders-api')
const peer = await createTestSecrets('order-fulfillment-api', { ca: service.ca })
const tracing = startTestTracing('orders-api', service.identity)

const { audit } = captureAudit('orders-api')
let app: FastifyInstance
let url: string
const caller = new Agent({
  connect: { ca: [service.ca.certPem], cert: peer.identity.certPem, key: peer.identity.keyPem },
})

before(async () => {
  app = await createService({
    name: 'orders-api',
    identity: service.identity,
    exposure: 'internal',
    audit,
  })
  app.get('/orders', { config: { allowedCallers: [CALLER_ID] } }, async () => ({ orders: [] }))
  // A decision made where the request's async context was lost (a stream read can lose it).
  app.get('/lost-context', { config: { allowedCallers: [CALLER_ID] } }, async (request) => {
    withoutActiveSpan(() =>
      audit.decision({
        traceId: request.traceContext.traceId,
        decision: 'allow',
        reason: 'test.lost_context',
      }),
    )
    return {}
  })
  app.get('/refused', { config: { allowedCallers: [CALLER_ID] } }, async () => {
    throw new Forbidden('no')
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  url = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`
})
after(async () => {
  await app.close()
  await caller.close()
  await tracing.shutdown()
})

async function call(path: string, traceparent: string | null = `00-${TRACE}-${CALLER_SPAN}-01`) {
  const response = await request(`${url}${path}?access_token=${TOKEN}`, {
    dispatcher: caller,
    headers: {
      ...(traceparent ? { traceparent } : {}),
      authorization: `Bearer ${TOKEN}`,
    },
  })
  await response.body.dump()
  const echoed = parseTraceparent(String(response.headers.traceparent))
  assert.ok(echoed)
  const spans = await tracing.spans()
  const span = spans.find((s) => s.spanContext().spanId === echoed.parentId)
  assert.ok(span, 'a span with the id the kit echoed')
  return { span, status: response.statusCode, echoed }
}

describe('the hop span of createService', () => {
  it('continues the caller span and names both workloads', async () => {
    const { span } = await call('/orders')
    assert.equal(span.spanContext().traceId, TRACE)
    assert.equal(span.parentSpanContext?.spanId, CALLER_SPAN)
    assert.equal(span.name, 'GET /orders')
    assert.equal(span.attributes[TRUST_ATTRIBUTES.workload], service.identity.spiffeId)
    assert.equal(span.attributes[TRUST_ATTRIBUTES.peer], CALLER_ID)
    assert.equal(span.attributes[TRUST_ATTRIBUTES.status], 200)
  })

  it('starts the trace with the trace id the kit answers when the caller sends none', async () => {
    const { span, echoed } = await call('/orders', null)
    assert.equal(span.spanContext().traceId, echoed.traceId)
    assert.equal(span.parentSpanContext, undefined)
  })

  it('carries the audit decision of the hop as a span event', async () => {
    const { span } = await call('/orders')
    const decisions = span.events.filter((e) => e.name === DECISION_EVENT)
    assert.deepEqual(
      decisions.map((e) => e.attributes?.[TRUST_ATTRIBUTES.reason]),
      ['mtls.peer_allowed'],
    )
  })

  it('finds the hop by trace id when a decision lost the async context', async () => {
    const { span } = await call('/lost-context')
    const reasons = span.events.map((e) => e.attributes?.[TRUST_ATTRIBUTES.reason])
    assert.ok(reasons.includes('test.lost_context'), JSON.stringify(reasons))
  })

  it('marks a refusal with the problem code', async () => {
    const { span, status } = await call('/refused')
    assert.equal(status, 403)
    const refusal = span.events.find((e) => e.name === REFUSAL_EVENT)
    assert.equal(refusal?.attributes?.[PROBLEM_CODE], 'ZT_ERR_FORBIDDEN')
    assert.equal(span.status.code, 2)
  })

  it('holds no credential, header or query string of the request', async () => {
    const { span } = await call('/orders')
    const text = JSON.stringify({ a: span.attributes, e: span.events, n: span.name })
    assert.ok(!text.includes(TOKEN) && !text.includes('access_token'), text)
  })
})
