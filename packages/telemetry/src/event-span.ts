/**
 * One CONSUMER span per event a subscriber processes, joined to the trace of the request that
 * caused the event (its `traceparent` claim, inside the signature). It says what the envelope
 * was — who signed it, how it was encrypted, for how many recipients — and which subscriber
 * opened it; the subscriber's audit decision becomes its event. Header fields only (`alg`, `enc`,
 * `kid`): never a key, a ciphertext or the event's content.
 *
 * @module
 */
import { parseTraceparent, TRUST_ATTRIBUTES } from '@mythical/audit'
import { SERVICES, workloadId } from '@mythical/stack'
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Attributes,
} from '@opentelemetry/api'

/** What the span says of a verified event (from `VerifiedEvent` of `@mythical/events`). */
export interface ConsumedEvent {
  readonly type: string
  /** Workload id of the publisher that signed it. */
  readonly issuer: string
  readonly audience: string
  readonly traceparent?: string
  /** The user the event is about (her retail `sub`), when it has one. */
  readonly subject?: string
}

/**
 * The span's view of a verified event: the user it is about is the order's customer (`customer`
 * in the data of `order.placed`), so her trust trace shows who opened the event placed for her.
 */
export function consumedEvent(event: {
  readonly type: string
  readonly issuer: string
  readonly audience: string
  readonly traceparent?: string
  readonly data: Readonly<Record<string, unknown>>
}): ConsumedEvent {
  const customer = event.data.customer
  return {
    type: event.type,
    issuer: event.issuer,
    audience: event.audience,
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    ...(typeof customer === 'string' && customer !== '' ? { subject: customer } : {}),
  }
}

/** `customers-api.order-placed` → the consuming workload's id (queues are `<service>.<stream>`). */
function subscriberOf(queue: string): string {
  const name = queue.split('.', 1)[0] ?? queue
  const service = SERVICES.find((s) => s.name === name)
  return service ? workloadId(service.domain, service.name) : name
}

interface GeneralJwe {
  protected?: unknown
  recipients?: { header?: { alg?: unknown; kid?: unknown } }[]
}

const decodeHeader = (value: unknown): Record<string, unknown> => {
  if (typeof value !== 'string') return {}
  try {
    return JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return {}
  }
}

/** `alg`/`enc` and recipient key ids of the envelope body (JWE general JSON, one per audience). */
export function envelopeAttributes(body: Buffer): Attributes {
  let envelopes: GeneralJwe[] = []
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { envelopes?: unknown }
    if (Array.isArray(parsed.envelopes)) envelopes = parsed.envelopes as GeneralJwe[]
  } catch {
    return {}
  }
  const encryption = new Set<string>()
  const recipients: string[] = []
  for (const envelope of envelopes) {
    const enc = decodeHeader(envelope.protected).enc
    for (const recipient of envelope.recipients ?? []) {
      const alg = recipient.header?.alg
      if (typeof alg === 'string' && typeof enc === 'string') encryption.add(`${alg} + ${enc}`)
      if (typeof recipient.header?.kid === 'string') recipients.push(recipient.header.kid)
    }
  }
  return {
    'mythical.event.encryption': [...encryption].join(', '),
    'mythical.event.recipients': `${recipients.length} recipients in ${envelopes.length} envelopes: ${recipients.join(', ')}`,
  }
}

/**
 * Runs `process` (inbox, effect, audit) inside the event's CONSUMER span, for the subscriber
 * that consumes `queue`.
 *
 * @example
 * ```ts
 * await withEventSpan(consumedEvent(event), msg.content, 'customers-api.order-placed', () => handle())
 * ```
 */
export async function withEventSpan<T>(
  event: ConsumedEvent,
  body: Buffer,
  queue: string,
  process: () => Promise<T>,
): Promise<T> {
  const subscriber = subscriberOf(queue)
  const parent = parseTraceparent(event.traceparent)
  const parentContext = parent
    ? trace.setSpanContext(ROOT_CONTEXT, {
        traceId: parent.traceId,
        spanId: parent.parentId,
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      })
    : ROOT_CONTEXT
  const span = trace.getTracer('@mythical/telemetry').startSpan(
    `consume ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [TRUST_ATTRIBUTES.workload]: subscriber,
        [TRUST_ATTRIBUTES.peer]: event.issuer,
        [TRUST_ATTRIBUTES.route]: `consume ${event.type}`,
        'mythical.event.type': event.type,
        'mythical.event.issuer': event.issuer,
        'mythical.event.signature': `verified against the publisher's keys, audience ${event.audience}`,
        'mythical.event.opened_by': subscriber,
        ...(event.subject ? { [TRUST_ATTRIBUTES.enduser]: event.subject } : {}),
        ...envelopeAttributes(body),
      },
    },
    parentContext,
  )
  try {
    return await context.with(trace.setSpan(parentContext, span), process)
  } finally {
    span.end()
  }
}
