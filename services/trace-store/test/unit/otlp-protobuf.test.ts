/**
 * OTLP/HTTP protobuf, as the OpenTelemetry SDK's own serializer writes it (the one retail
 * workloads export with), is stored exactly as the same spans sent as OTLP/JSON; a body that is
 * not a protobuf export request is refused whole (400).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api'
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace'
import { ValidationFailed } from '@mythical/problem'
import { exportRequestOfProtobuf } from '../../src/otlp-protobuf.ts'
import { spansOfExportRequest } from '../../src/otlp-spans.ts'

/** Spans like the gateway's: a remote parent, trust attributes of every scalar type, events. */
async function gatewaySpans(): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter()
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'gateway' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  })
  const tracer = provider.getTracer('@mythical/telemetry')
  const parent = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  }
  const span = tracer.startSpan(
    'GET /*',
    { kind: SpanKind.SERVER, attributes: { 'mythical.route': 'GET /*' } },
    trace.setSpanContext(ROOT_CONTEXT, parent),
  )
  span.setAttributes({
    'enduser.id': 'katie-sub',
    'http.response.status_code': 403,
    'mythical.ratio': 0.5,
    'mythical.mtls': true,
    'mythical.token.amr': ['pwd', 'otp'],
  })
  span.addEvent('mythical.decision', {
    'mythical.decision': 'deny',
    'mythical.reason': 'token.wrong_audience',
  })
  span.setStatus({ code: SpanStatusCode.ERROR })
  span.end()
  tracer.startSpan('GET /healthz').end()
  await provider.forceFlush()
  return exporter.getFinishedSpans()
}

describe('exportRequestOfProtobuf', () => {
  it('stores what OTLP/JSON of the same spans stores: ids, times, user, attributes, events', async () => {
    const spans = await gatewaySpans()
    const fromJson = spansOfExportRequest(
      JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(spans) ?? []).toString()),
    )
    const protobuf = ProtobufTraceSerializer.serializeRequest(spans)
    assert.ok(protobuf)
    const fromProtobuf = spansOfExportRequest(exportRequestOfProtobuf(protobuf))
    assert.deepEqual(fromProtobuf, fromJson)
    assert.equal(fromProtobuf.length, 2)
    assert.equal(fromProtobuf[0]?.parentSpanId, '00f067aa0ba902b7')
    assert.equal(fromProtobuf[0]?.enduserId, 'katie-sub')
    assert.equal(fromProtobuf[0]?.attributes['mythical.token.amr'], 'pwd,otp')
    assert.equal(fromProtobuf[0]?.events[0]?.attributes['mythical.reason'], 'token.wrong_audience')
    assert.equal(fromProtobuf[1]?.parentSpanId, undefined)
  })

  it('refuses bytes that are not a protobuf export request, without quoting them', () => {
    for (const body of [Buffer.from('{"resourceSpans":[]}'), Buffer.from([0x0a, 0xff, 0xff])]) {
      assert.throws(
        () => exportRequestOfProtobuf(body),
        (error: unknown) =>
          error instanceof ValidationFailed && !error.message.includes('resourceSpans'),
      )
    }
  })

  it('refuses an all-zero trace id as OTLP/JSON does', async () => {
    const [span] = await gatewaySpans()
    assert.ok(span)
    const zero = Object.assign(Object.create(Object.getPrototypeOf(span) as object), span, {
      spanContext: () => ({ ...span.spanContext(), traceId: '0'.repeat(32) }),
    }) as ReadableSpan
    const protobuf = ProtobufTraceSerializer.serializeRequest([zero])
    assert.ok(protobuf)
    assert.throws(
      () => spansOfExportRequest(exportRequestOfProtobuf(protobuf)),
      (error: unknown) => error instanceof ValidationFailed && /traceId/.test(error.message),
    )
  })
})
