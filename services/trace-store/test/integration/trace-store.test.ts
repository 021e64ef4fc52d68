/**
 * trace-store on the stack's real PostgreSQL, over real mTLS with the stack's workload
 * certificates: OTLP ingest from retail exporters only, append-only storage (the role cannot
 * UPDATE, DELETE or TRUNCATE), and reads that row-level security confines to the token's subject
 * even with the API's own `WHERE` removed; another user's trace answers 404.
 */
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createDatabasePool, withCustomerScope } from '@mythical/db'
import { stackWorkload as workload, startStackServiceForTest } from '@mythical/service-kit/testing'
import { stackPaths } from '@mythical/stack'
import { otlpExporter } from '@mythical/telemetry'
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import type pg from 'pg'
import { buildApp } from '../../src/app.ts'
import { loadServiceConfig } from '../../src/config.ts'
import { findTrace } from '../../src/span-store.ts'

const katie = `katie-${randomUUID()}`
const bob = `bob-${randomUUID()}`
/** A user of the protobuf export test alone (katie's recent traces are counted below). */
const carol = `carol-${randomUUID()}`
const shopping = workload('my-shopping-api')
const orders = workload('orders-api')
const hex = (bytes: number) => randomBytes(bytes).toString('hex')
const nanos = () => `${BigInt(Date.now()) * 1_000_000n}`
const PROTOBUF = 'application/x-protobuf'
/** A length-delimited field whose length runs past the end: no protobuf message. */
const NOT_PROTOBUF = Uint8Array.of(0x0a, 0xff, 0xff)

/** One OTLP/HTTP JSON export request of one span for `user`. */
function exportRequest(traceId: string, user: string, status = 200) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders-api' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: hex(8),
                name: 'GET /orders/:id',
                kind: 2,
                startTimeUnixNano: nanos(),
                endTimeUnixNano: nanos(),
                attributes: [
                  { key: 'enduser.id', value: { stringValue: user } },
                  { key: 'http.response.status_code', value: { intValue: status } },
                ],
                events: [
                  {
                    name: 'mythical.decision',
                    timeUnixNano: nanos(),
                    attributes: [
                      { key: 'mythical.decision', value: { stringValue: 'allow' } },
                      { key: 'mythical.reason', value: { stringValue: 'token.accepted' } },
                    ],
                  },
                ],
                status: { code: 0 },
              },
            ],
          },
        ],
      },
    ],
  }
}

describe('trace-store (TB12: real PostgreSQL with RLS, real mTLS)', () => {
  let api: Awaited<ReturnType<typeof startStackServiceForTest>>
  let pool: pg.Pool
  const katiesTrace = hex(16)
  const bobsTrace = hex(16)
  const read = (sub: string, scope = 'traces:read') =>
    api.idp.mint({
      audience: 'trace-store',
      boundTo: shopping,
      sub,
      scope,
      clientId: 'my-shopping-api',
      act: { sub: shopping.spiffeId },
    })

  before(async () => {
    api = await startStackServiceForTest('trace-store', loadServiceConfig, buildApp)
    pool = createDatabasePool(stackPaths().secrets('trace-store'))
  })
  after(async () => {
    await pool.end()
    await api.close()
  })

  it('accepts OTLP from a retail exporter and records it as that workload', async () => {
    for (const [trace, user] of [
      [katiesTrace, katie],
      [bobsTrace, bob],
    ] as const) {
      const res = await api.call(
        orders,
        'POST',
        '/v1/traces',
        undefined,
        exportRequest(trace, user),
      )
      assert.equal(res.status, 200, JSON.stringify(res.body))
    }
    const spans = await withCustomerScope(pool, katie, (db) => findTrace(db, katie, katiesTrace))
    assert.equal(spans.length, 1)
    assert.equal(spans[0]?.workloadId, orders.spiffeId)
  })

  it("accepts OTLP/HTTP protobuf and JSON from a workload's own exporter, each answered in its encoding", async () => {
    for (const protocol of ['http/protobuf', 'http/json'] as const) {
      const traceId = hex(16)
      const spans = new InMemorySpanExporter()
      const provider = new TracerProvider({
        spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
      })
      const caller = { traceId, spanId: hex(8), traceFlags: TraceFlags.SAMPLED, isRemote: true }
      const span = provider
        .getTracer('@mythical/telemetry')
        .startSpan(
          'GET /orders/:id',
          { kind: SpanKind.SERVER },
          trace.setSpanContext(ROOT_CONTEXT, caller),
        )
      span.setAttribute('enduser.id', carol)
      span.addEvent('mythical.decision', {
        'mythical.decision': 'allow',
        'mythical.reason': 'token.accepted',
      })
      span.end()
      await provider.forceFlush()

      // The exporter of @mythical/telemetry with orders-api's certificate.
      const exporter = otlpExporter(orders, api.url, protocol)
      const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
        exporter.export(spans.getFinishedSpans(), resolve),
      )
      await exporter.shutdown()
      assert.equal(result.error, undefined, protocol)
      assert.equal(result.code, 0, protocol) // ExportResultCode.SUCCESS: the answer was understood

      const stored = await withCustomerScope(pool, carol, (db) => findTrace(db, carol, traceId))
      assert.equal(stored.length, 1)
      assert.equal(stored[0]?.workloadId, orders.spiffeId)
      assert.equal(stored[0]?.parentSpanId, caller.spanId)
      assert.equal(stored[0]?.events[0]?.attributes['mythical.reason'], 'token.accepted')
    }
  })

  it('refuses a protobuf body that is no export request as a whole (400)', async () => {
    const res = await api.call(orders, 'POST', '/v1/traces', undefined, NOT_PROTOBUF, PROTOBUF)
    assert.equal(res.status, 400)
    assert.match(String(res.headers['content-type']), /application\/problem\+json/)
    assert.equal(res.body.code, 'ZT_ERR_VALIDATION')
  })

  it('refuses protobuf from a retail workload that is no exporter before decoding it (403, audited)', async () => {
    // The body would be a 400 if it were decoded: the certificate is refused first.
    const res = await api.call(
      workload('web'),
      'POST',
      '/v1/traces',
      undefined,
      NOT_PROTOBUF,
      PROTOBUF,
    )
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_PEER_NOT_ALLOWED')
    assert.equal(res.records.at(-1)?.reason, 'mtls.peer_not_allowed')
  })

  it('refuses OTLP from a workload of another trust domain (vault certificate)', async () => {
    const vault = workload('tokenization-api')
    const outcome = await api
      .call(vault, 'POST', '/v1/traces', undefined, exportRequest(hex(16), katie))
      .then(
        (res) => res.status,
        (error: unknown) => (error as { code?: string }).code ?? 'refused',
      )
    // The retail listener does not trust the vault CA: the handshake fails, nothing is stored.
    assert.notEqual(outcome, 200)
    assert.equal(typeof outcome, 'string', `refused in the handshake, not answered ${outcome}`)
  })

  it('refuses OTLP from a retail workload that is no exporter (403, audited)', async () => {
    const res = await api.call(
      workload('web'),
      'POST',
      '/v1/traces',
      undefined,
      exportRequest(hex(16), katie),
    )
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_PEER_NOT_ALLOWED')
    assert.equal(res.records.at(-1)?.reason, 'mtls.peer_not_allowed')
  })

  it('refuses a malformed export as a whole (400)', async () => {
    const res = await api.call(orders, 'POST', '/v1/traces', undefined, { resourceSpans: 'x' })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'ZT_ERR_VALIDATION')
  })

  it("answers katie's trace to katie, through my-shopping-api with her exchanged token", async () => {
    const res = await api.call(shopping, 'GET', `/traces/${katiesTrace}`, await read(katie))
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const spans = res.body.spans as { attributes: Record<string, unknown> }[]
    assert.equal(spans.length, 1)
    assert.equal(spans[0]?.attributes['enduser.id'], katie)
  })

  it("answers bob's trace id to katie with 404, like an unknown one", async () => {
    const res = await api.call(shopping, 'GET', `/traces/${bobsTrace}`, await read(katie))
    assert.equal(res.status, 404)
    assert.equal(res.body.code, 'ZT_ERR_NOT_FOUND')
  })

  it('refuses her token without traces:read (orders:read is not enough): 403, audited', async () => {
    const res = await api.call(
      shopping,
      'GET',
      `/traces/${katiesTrace}`,
      await read(katie, 'orders:read'),
    )
    assert.equal(res.status, 403)
    assert.equal(res.body.code, 'ZT_ERR_INSUFFICIENT_SCOPE')
    assert.equal(res.records.at(-1)?.reason, 'scope.insufficient')
    assert.equal(res.records.at(-1)?.subject, katie)
  })

  it('lists her recent traces only', async () => {
    const res = await api.call(shopping, 'GET', '/traces', await read(katie))
    assert.equal(res.status, 200)
    const traces = res.body.traces as { traceId: string }[]
    assert.deepEqual(
      traces.map((t) => t.traceId),
      [katiesTrace],
    )
  })

  it('refuses the query route to an exporter (not a caller of it)', async () => {
    const token = await api.idp.mint({
      audience: 'trace-store',
      boundTo: orders,
      sub: katie,
      scope: 'traces:read',
      clientId: 'orders-api',
    })
    const res = await api.call(orders, 'GET', `/traces/${katiesTrace}`, token)
    assert.equal(res.status, 403)
  })

  it('shows only the scoped user rows with the query filter removed (row-level security)', async () => {
    const seen = await withCustomerScope(
      pool,
      katie,
      async (db) => (await db.query<{ enduser_id: string }>('SELECT enduser_id FROM spans')).rows,
    )
    assert.ok(seen.length >= 1)
    assert.ok(seen.every((row) => row.enduser_id === katie))
    const outside = await pool.query('SELECT count(*)::int AS n FROM spans')
    assert.equal(outside.rows[0]?.n, 0, 'no scope, no rows')
  })

  for (const statement of [
    "UPDATE spans SET name = 'rewritten'",
    'DELETE FROM spans',
    'TRUNCATE spans',
  ]) {
    it(`is append-only: ${statement.split(' ')[0]} is refused to the store's own role`, async () => {
      await assert.rejects(
        withCustomerScope(pool, katie, (db) => db.query(statement)),
        { code: '42501' },
      )
    })
  }
})
