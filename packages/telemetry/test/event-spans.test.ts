/**
 * An event's spans: the relay's PRODUCER span is what every subscriber's CONSUMER span names as
 * its parent, in the order's trace, so a trace viewer never shows a parent that does not exist.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { SpanKind } from '@opentelemetry/api'
import { startPublishSpan, withEventSpan } from '../src/index.ts'
import { startTestTracing } from '../src/testing.ts'

const PUBLISHER = 'spiffe://retail.mythical.example/order-fulfillment-api'
const tracing = startTestTracing('order-fulfillment-api', {
  spiffeId: PUBLISHER,
  certPem: '',
  keyPem: '',
  caPem: '',
})
after(() => tracing.shutdown())

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const BODY = Buffer.from(
  JSON.stringify({
    envelopes: [
      {
        protected: b64({ enc: 'A256GCM' }),
        recipients: [{ header: { alg: 'A256KW', kid: 'customers-api#2026-11-30' } }],
        ciphertext: 'secret-order-content',
      },
    ],
  }),
)

describe('event spans', () => {
  it("a consumer's span is the child of the publication's PRODUCER span, in the order's trace", async () => {
    tracing.reset()
    const publish = startPublishSpan({
      type: 'order.placed',
      traceId: TRACE_ID,
      publisher: PUBLISHER,
      subject: 'katie-sub',
    })
    assert.match(publish.traceparent, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`))
    publish.end({ body: BODY })
    const event = {
      type: 'order.placed',
      issuer: PUBLISHER,
      audience: 'retail',
      traceparent: publish.traceparent,
    }
    await withEventSpan(event, BODY, 'customers-api.order-placed', async () => {})

    const spans = await tracing.spans()
    const producer = spans.find((s) => s.kind === SpanKind.PRODUCER)
    const consumer = spans.find((s) => s.kind === SpanKind.CONSUMER)
    assert.ok(producer && consumer)
    assert.equal(producer.spanContext().traceId, TRACE_ID)
    assert.equal(`00-${TRACE_ID}-${producer.spanContext().spanId}-01`, publish.traceparent)
    assert.equal(consumer.spanContext().traceId, TRACE_ID)
    assert.equal(consumer.parentSpanContext?.spanId, producer.spanContext().spanId)
    assert.equal(producer.attributes['enduser.id'], 'katie-sub')
    assert.equal(producer.attributes['mythical.event.encryption'], 'A256KW + A256GCM')
    assert.ok(!JSON.stringify(producer.attributes).includes('secret-order-content'))
  })

  it('a publication that was not confirmed ends its span as an error', async () => {
    tracing.reset()
    startPublishSpan({ type: 'order.placed', traceId: TRACE_ID, publisher: PUBLISHER }).end({
      failed: 'event e-1 was nacked by the broker',
    })
    const [span] = await tracing.spans()
    assert.equal(span?.status.code, 2)
    assert.equal(span?.status.message, 'event e-1 was nacked by the broker')
  })
})
