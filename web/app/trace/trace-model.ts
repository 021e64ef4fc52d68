/**
 * The trust trace as the page reads it from the BFF (`/api/traces/…`, i.e. trace-store's answer
 * relayed by my-shopping-api): spans with the trust attributes and events written by the
 * services (`@mythical/audit` TRUST_ATTRIBUTES, `@mythical/telemetry`). Pure functions only, so
 * the page stays a rendering of this model.
 */

export type AttributeValue = string | number | boolean

export interface TraceEvent {
  name: string
  time: string
  attributes: Record<string, AttributeValue>
}

export interface TraceSpan {
  traceId: string
  spanId: string
  parentSpanId: string | null
  workloadId: string
  name: string
  kind: number
  startTime: string
  endTime: string
  statusCode: number
  attributes: Record<string, AttributeValue>
  events: TraceEvent[]
}

export interface TraceSummary {
  traceId: string
  name: string
  workloadId: string
  startTime: string
  spanCount: number
  refusal: { workloadId: string; reason: string } | null
}

/** One decision of a hop, as audited. */
export interface HopDecision {
  decision: string
  reason: string
  boundary?: string
  policy?: string
}

/** One hop of the timeline. */
export interface Hop {
  spanId: string
  /** Workload that answered (its certificate identity) and the one that called it. */
  callee: string
  caller: string | undefined
  kind: 'request' | 'message' | 'outgoing'
  name: string
  status: number | undefined
  durationMs: number
  claims: { label: string; value: string }[]
  decisions: HopDecision[]
  refusal: string | undefined
  /** Event hops: signature and encryption of the envelope, and who opened it. */
  envelope: { label: string; value: string }[]
}

const str = (v: AttributeValue | undefined) => (v === undefined ? undefined : String(v))

/** SPIFFE id → the short workload name shown on the timeline. */
export const workloadName = (id: string | undefined) => id?.split('/').at(-1) ?? 'unknown'

const CLAIMS: [label: string, attribute: string][] = [
  ['sub', 'enduser.id'],
  ['aud', 'mythical.token.aud'],
  ['scope', 'mythical.token.scope'],
  ['act', 'mythical.token.act'],
  ['client', 'mythical.token.client_id'],
  ['acr', 'mythical.token.acr'],
  ['amr', 'mythical.token.amr'],
  ['cnf x5t#S256', 'mythical.token.cnf_x5t_s256'],
]

const ENVELOPE: [label: string, attribute: string][] = [
  ['event', 'mythical.event.type'],
  ['signed by', 'mythical.event.issuer'],
  ['signature', 'mythical.event.signature'],
  ['encryption', 'mythical.event.encryption'],
  ['recipients', 'mythical.event.recipients'],
  ['opened by', 'mythical.event.opened_by'],
]

/** OTLP span kinds as the store keeps them (opentelemetry-proto `SpanKind`). */
const SPAN_KIND = { server: 2, client: 3, consumer: 5 } as const

/** The hops of a trace in the order they started. */
export function hopsOf(spans: readonly TraceSpan[]): Hop[] {
  return [...spans]
    .sort((a, b) => a.startTime.localeCompare(b.startTime))
    .map((span) => {
      const a = span.attributes
      const pick = (table: [string, string][]) =>
        table.flatMap(([label, key]) => {
          const value = str(a[key])
          return value === undefined ? [] : [{ label, value }]
        })
      const decisions = span.events
        .filter((e) => e.name === 'mythical.decision')
        .map((e) => ({
          decision: String(e.attributes['mythical.decision'] ?? ''),
          reason: String(e.attributes['mythical.reason'] ?? ''),
          ...(e.attributes['mythical.boundary'] === undefined
            ? {}
            : { boundary: String(e.attributes['mythical.boundary']) }),
          ...(e.attributes['mythical.policy'] === undefined
            ? {}
            : { policy: String(e.attributes['mythical.policy']) }),
        }))
      const refusal = span.events.find((e) => e.name === 'mythical.refusal')
      const status = a['http.response.status_code']
      return {
        spanId: span.spanId,
        callee: span.workloadId,
        caller: str(a['mythical.peer.workload_id']),
        kind:
          span.kind === SPAN_KIND.consumer
            ? 'message'
            : span.kind === SPAN_KIND.client
              ? 'outgoing'
              : 'request',
        name: str(a['mythical.route']) ?? span.name,
        status: typeof status === 'number' ? status : undefined,
        durationMs: Math.max(0, Date.parse(span.endTime) - Date.parse(span.startTime)),
        claims: pick(CLAIMS),
        decisions,
        refusal: str(refusal?.attributes['mythical.problem.code']),
        envelope: pick(ENVELOPE),
      }
    })
}
