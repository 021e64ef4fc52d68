/**
 * An audit record is also an OpenTelemetry span event: the decision is written once (the audit
 * logger's one call site) and shows up both in the log and on the span of the hop that made it,
 * so the trust trace and the audit trail cannot drift apart. Without a tracer provider the
 * OpenTelemetry API is a no-op and this costs one function call.
 *
 * Only identifiers and decoded claims are mapped: an audit record has no member that can carry a
 * token, a signature or a card number (a closed shape, see `audit-record.ts`).
 *
 * @module
 */
import { trace, type Attributes, type Span } from '@opentelemetry/api'
import type { ActorChain, AuditRecord } from './audit-record.ts'

/** Name of the span event of one trust decision. */
export const DECISION_EVENT = 'mythical.decision'

/**
 * Attribute names of the trust trace, shared by the services (writers) and the trace store and
 * page (readers). `enduser.id` is the OpenTelemetry semantic convention for the user.
 */
export const TRUST_ATTRIBUTES = {
  enduser: 'enduser.id',
  peer: 'mythical.peer.workload_id',
  workload: 'mythical.workload_id',
  client: 'mythical.token.client_id',
  audience: 'mythical.token.aud',
  scope: 'mythical.token.scope',
  act: 'mythical.token.act',
  acr: 'mythical.token.acr',
  cnf: 'mythical.token.cnf_x5t_s256',
  boundary: 'mythical.boundary',
  decision: 'mythical.decision',
  reason: 'mythical.reason',
  policy: 'mythical.policy',
  route: 'mythical.route',
  status: 'http.response.status_code',
} as const

/** `act` as the readable chain `a ← b ← c` (current actor first): no nesting in attributes. */
export function actorChainText(act: ActorChain): string {
  const actors: string[] = []
  for (let actor: ActorChain | undefined = act; actor; actor = actor.act) actors.push(actor.sub)
  return actors.join(' ← ')
}

/** The span event attributes of one decision. */
export function decisionEventAttributes(record: AuditRecord): Attributes {
  const a = TRUST_ATTRIBUTES
  const attributes: Attributes = { [a.decision]: record.decision, [a.reason]: record.reason }
  const optional: [string, string | number | undefined][] = [
    [a.boundary, record.boundary],
    [a.policy, record.policy],
    [a.route, record.route],
    [a.status, record.status],
    [a.peer, record.caller],
    [a.enduser, record.subject],
    [a.client, record.client],
    [a.audience, record.audience],
    [a.scope, record.scope],
    [a.act, record.act ? actorChainText(record.act) : undefined],
  ]
  for (const [name, value] of optional) if (value !== undefined) attributes[name] = value
  return attributes
}

/**
 * The user a decision was made for, copied onto the span itself: the trace store files a span
 * under its `enduser.id` (row-level security). Other facts stay on the event: a hop decides about
 * more than its own caller (payments-api's call to the vault is audited inside its consumer span).
 */
function spanAttributes(record: AuditRecord): Attributes {
  return record.subject === undefined ? {} : { [TRUST_ATTRIBUTES.enduser]: record.subject }
}

/**
 * The open hop spans of this process by trace id: where a request's async context was lost (a
 * body read through a stream iterator loses it), a decision still finds its hop through the
 * trace id every audit record carries. The telemetry plugin adds a span when the hop starts and
 * removes it when it ends.
 */
const openHopSpans = new Map<string, Span>()

/** Makes `span` the hop span of `traceId` until {@link forgetHopSpan}. */
export function rememberHopSpan(traceId: string, span: Span): void {
  openHopSpans.set(traceId, span)
}

/** The open hop span of `traceId` in this process, if any. */
export function hopSpanOf(traceId: string): Span | undefined {
  return openHopSpans.get(traceId)
}

/** Forgets `span` as the hop span of `traceId` (a later hop of the same trace keeps its own). */
export function forgetHopSpan(traceId: string, span: Span): void {
  if (openHopSpans.get(traceId) === span) openHopSpans.delete(traceId)
}

/**
 * Adds the decision to the active span (the hop's server or consumer span), if there is one.
 *
 * @example
 * ```ts
 * recordDecisionOnActiveSpan({ traceId, decision: 'deny', reason: 'token.wrong_audience' })
 * ```
 */
export function recordDecisionOnActiveSpan(record: AuditRecord, span?: Span): void {
  const target = span ?? trace.getActiveSpan() ?? openHopSpans.get(record.traceId)
  if (!target?.isRecording()) return
  target.setAttributes(spanAttributes(record))
  target.addEvent(DECISION_EVENT, decisionEventAttributes(record))
}
