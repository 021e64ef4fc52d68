/**
 * OTLP/HTTP JSON as the OpenTelemetry JS exporter sends it → stored spans, and what the ingest
 * refuses whole (400): malformed ids, times that are not nanoseconds, oversized batches.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MAX_SPANS_PER_REQUEST, spansOfExportRequest } from '../../src/otlp-spans.ts'
import { refusalReason } from '../../src/span-store.ts'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

const span = (overrides: Record<string, unknown> = {}) => ({
  traceId: TRACE,
  spanId: '00f067aa0ba902b7',
  parentSpanId: 'b7ad6b7169203331',
  name: 'GET /orders/:id',
  kind: 2,
  startTimeUnixNano: '1764500000123000000',
  endTimeUnixNano: '1764500000456000000',
  attributes: [
    { key: 'enduser.id', value: { stringValue: 'katie-sub' } },
    { key: 'http.response.status_code', value: { intValue: 404 } },
    { key: 'sampled', value: { boolValue: true } },
  ],
  events: [
    {
      name: 'mythical.decision',
      timeUnixNano: '1764500000200000000',
      attributes: [{ key: 'mythical.reason', value: { stringValue: 'token.accepted' } }],
    },
  ],
  status: { code: 2 },
  ...overrides,
})

const request = (...spans: unknown[]) => ({
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders-api' } }] },
      scopeSpans: [{ scope: { name: '@mythical/telemetry' }, spans }],
    },
  ],
})

describe('spansOfExportRequest', () => {
  it('reads ids, times, the user, attributes and events', () => {
    const [stored] = spansOfExportRequest(request(span()))
    assert.deepEqual(stored, {
      traceId: TRACE,
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'b7ad6b7169203331',
      enduserId: 'katie-sub',
      name: 'GET /orders/:id',
      kind: 2,
      startTime: '2025-11-30T10:53:20.123Z',
      endTime: '2025-11-30T10:53:20.456Z',
      statusCode: 2,
      attributes: { 'enduser.id': 'katie-sub', 'http.response.status_code': 404, sampled: true },
      events: [
        {
          name: 'mythical.decision',
          time: '2025-11-30T10:53:20.200Z',
          attributes: { 'mythical.reason': 'token.accepted' },
        },
      ],
    })
  })

  it('keeps a span without a user or a parent as machine work', () => {
    const [stored] = spansOfExportRequest(request(span({ attributes: [], parentSpanId: '' })))
    assert.equal(stored?.enduserId, undefined)
    assert.equal(stored?.parentSpanId, undefined)
  })

  for (const [what, bad] of [
    ['an upper-case trace id', span({ traceId: TRACE.toUpperCase() })],
    ['an all-zero span id', span({ spanId: '0000000000000000' })],
    ['a short parent id', span({ parentSpanId: 'abc' })],
    ['a time that is not nanoseconds', span({ startTimeUnixNano: '2025-11-30' })],
    ['an attribute without a key', span({ attributes: [{ value: { stringValue: 'x' } }] })],
  ] as const) {
    it(`refuses the whole batch for ${what}`, () => {
      assert.throws(() => spansOfExportRequest(request(span(), bad)), {
        code: 'ZT_ERR_VALIDATION',
      })
    })
  }

  it('refuses more spans than one request may carry', () => {
    const many = Array.from({ length: MAX_SPANS_PER_REQUEST + 1 }, () => span())
    assert.throws(() => spansOfExportRequest(request(...many)), { code: 'ZT_ERR_VALIDATION' })
  })

  it('refuses a body that is not an export request', () => {
    assert.throws(() => spansOfExportRequest([]), { code: 'ZT_ERR_VALIDATION' })
    assert.throws(() => spansOfExportRequest({ resourceSpans: 'x' }), {
      code: 'ZT_ERR_VALIDATION',
    })
  })
})

describe('refusalReason', () => {
  const at = '2025-11-30T10:53:20.200Z'
  it("names the hop's last deny decision", () => {
    const reason = refusalReason([
      {
        name: 'mythical.decision',
        time: at,
        attributes: { 'mythical.decision': 'allow', 'mythical.reason': 'mtls.peer_allowed' },
      },
      {
        name: 'mythical.decision',
        time: at,
        attributes: { 'mythical.decision': 'deny', 'mythical.reason': 'token.insufficient_scope' },
      },
      {
        name: 'mythical.refusal',
        time: at,
        attributes: { 'mythical.problem.code': 'ZT_ERR_FORBIDDEN' },
      },
    ])
    assert.equal(reason, 'token.insufficient_scope')
  })

  it('falls back to the problem code when no decision denied (row-level security)', () => {
    const reason = refusalReason([
      {
        name: 'mythical.refusal',
        time: at,
        attributes: { 'mythical.problem.code': 'ZT_ERR_NOT_FOUND' },
      },
    ])
    assert.equal(reason, 'ZT_ERR_NOT_FOUND')
  })
})
