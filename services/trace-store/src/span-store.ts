/**
 * The spans table (migrations/0001_spans.sql). Ingest appends; reads run inside a transaction
 * scoped to the token's subject (withCustomerScope), where row-level security shows that
 * subject's spans only. The queries name the subject as well: RLS is the second line, not the
 * only one.
 *
 * @module
 */
import { DECISION_EVENT, TRUST_ATTRIBUTES } from '@mythical/audit'
import { PROBLEM_CODE, REFUSAL_EVENT } from '@mythical/telemetry'
import type { PoolClient } from 'pg'
import type { AttributeValue, StoredEvent, StoredSpan } from './otlp-spans.ts'

/** A span as the query routes answer it. */
export interface TraceSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | null
  readonly workloadId: string
  readonly name: string
  readonly kind: number
  readonly startTime: string
  readonly endTime: string
  readonly statusCode: number
  readonly attributes: Readonly<Record<string, AttributeValue>>
  readonly events: readonly StoredEvent[]
}

/** One of the user's recent traces: its first span, and how it ended. */
export interface TraceSummary {
  readonly traceId: string
  readonly name: string
  readonly workloadId: string
  readonly startTime: string
  readonly spanCount: number
  /** The deepest span that refused (4xx/5xx), if any: the deciding service and its reason. */
  readonly refusal: { readonly workloadId: string; readonly reason: string } | null
}

interface SpanRow {
  trace_id: string
  span_id: string
  parent_span_id: string | null
  workload_id: string
  name: string
  kind: number
  start_time: Date
  end_time: Date
  status_code: number
  attributes: Record<string, AttributeValue>
  events: StoredEvent[]
}

const SPAN_COLUMNS =
  'trace_id, span_id, parent_span_id, workload_id, name, kind, start_time, end_time, status_code, attributes, events'

const spanOf = (row: SpanRow): TraceSpan => ({
  traceId: row.trace_id,
  spanId: row.span_id,
  parentSpanId: row.parent_span_id,
  workloadId: row.workload_id,
  name: row.name,
  kind: row.kind,
  startTime: row.start_time.toISOString(),
  endTime: row.end_time.toISOString(),
  statusCode: row.status_code,
  attributes: row.attributes,
  events: row.events,
})

/**
 * Appends the spans exported by `workloadId` (the mTLS peer). A span sent twice (an exporter's
 * retry) is stored twice; the reads below keep one.
 *
 * @returns how many spans were appended
 */
export async function appendSpans(
  db: PoolClient,
  workloadId: string,
  spans: readonly StoredSpan[],
): Promise<number> {
  if (spans.length === 0) return 0
  const result = await db.query(
    `INSERT INTO spans (trace_id, span_id, parent_span_id, enduser_id, workload_id, name, kind,
                        start_time, end_time, status_code, attributes, events)
     SELECT s.trace_id, s.span_id, s.parent_span_id, s.enduser_id, $1, s.name, s.kind,
            s.start_time, s.end_time, s.status_code, s.attributes, s.events
     FROM jsonb_to_recordset($2::jsonb) AS s(
       trace_id text, span_id text, parent_span_id text, enduser_id text, name text, kind smallint,
       start_time timestamptz, end_time timestamptz, status_code smallint, attributes jsonb,
       events jsonb)`,
    [
      workloadId,
      JSON.stringify(
        spans.map((s) => ({
          trace_id: s.traceId,
          span_id: s.spanId,
          parent_span_id: s.parentSpanId ?? null,
          enduser_id: s.enduserId ?? null,
          name: s.name,
          kind: s.kind,
          start_time: s.startTime,
          end_time: s.endTime,
          status_code: s.statusCode,
          attributes: s.attributes,
          events: s.events,
        })),
      ),
    ],
  )
  return result.rowCount ?? 0
}

/** The user's spans of one trace, in the order they started (empty: unknown or someone else's). */
export async function findTrace(
  db: PoolClient,
  enduserId: string,
  traceId: string,
): Promise<TraceSpan[]> {
  const { rows } = await db.query<SpanRow>(
    `SELECT * FROM (SELECT DISTINCT ON (span_id) ${SPAN_COLUMNS} FROM spans
                    WHERE trace_id = $1 AND enduser_id = $2 ORDER BY span_id) AS one_each
     ORDER BY start_time, end_time DESC, span_id`,
    [traceId, enduserId],
  )
  return rows.map(spanOf)
}

/** The user's most recent traces, newest first. */
export async function recentTraces(
  db: PoolClient,
  enduserId: string,
  limit: number,
): Promise<TraceSummary[]> {
  const { rows } = await db.query<{
    trace_id: string
    name: string
    workload_id: string
    start_time: Date
    span_count: number
    refused_by: string | null
    refused_events: StoredEvent[] | null
  }>(
    `WITH mine AS (
       SELECT DISTINCT ON (trace_id, span_id) trace_id, span_id, name, workload_id, start_time,
              (attributes->>'http.response.status_code')::int AS status, events
       FROM spans WHERE enduser_id = $1),
     traces AS (
       SELECT trace_id, min(start_time) AS started, count(*)::int AS span_count
       FROM mine GROUP BY trace_id ORDER BY started DESC LIMIT $2)
     SELECT t.trace_id, t.span_count, first.name, first.workload_id, first.start_time,
            refused.workload_id AS refused_by, refused.events AS refused_events
     FROM traces t
     CROSS JOIN LATERAL (SELECT name, workload_id, start_time FROM mine f
                         WHERE f.trace_id = t.trace_id ORDER BY start_time LIMIT 1) first
     LEFT JOIN LATERAL (SELECT workload_id, events FROM mine r
                        WHERE r.trace_id = t.trace_id AND r.status >= 400
                        ORDER BY r.start_time DESC LIMIT 1) refused ON true
     ORDER BY t.started DESC`,
    [enduserId, limit],
  )
  return rows.map((r) => ({
    traceId: r.trace_id,
    name: r.name,
    workloadId: r.workload_id,
    startTime: r.start_time.toISOString(),
    spanCount: r.span_count,
    refusal:
      r.refused_by === null
        ? null
        : { workloadId: r.refused_by, reason: refusalReason(r.refused_events ?? []) },
  }))
}

/**
 * Why a span refused: its last `deny` decision's reason code, else the problem code it answered
 * (a 404 for someone else's order is decided by row-level security, which audits nothing).
 */
export function refusalReason(events: readonly StoredEvent[]): string {
  const denies = events.filter(
    (e) => e.name === DECISION_EVENT && e.attributes[TRUST_ATTRIBUTES.decision] === 'deny',
  )
  const deny = denies.at(-1)?.attributes[TRUST_ATTRIBUTES.reason]
  if (typeof deny === 'string') return deny
  const problem = events.findLast((e) => e.name === REFUSAL_EVENT)?.attributes[PROBLEM_CODE]
  return typeof problem === 'string' ? problem : 'unknown'
}
