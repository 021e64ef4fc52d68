/**
 * One CONSUMER span per event a subscriber processes, joined to the trace of the request that
 * caused the event (its `traceparent` claim, inside the signature). It says what the envelope
 * was — who signed it, how it was encrypted, for how many recipients — and which subscriber
 * opened it; the subscriber's audit decision becomes its event. Header fields only (`alg`, `enc`,
 * `kid`): never a key, a ciphertext or the event's content.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { parseTraceparent, TRUST_ATTRIBUTES } from '@mythical/audit'
import { SERVICES, workloadId } from '@mythical/stack'
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
} from '@opentelemetry/api'
import { withSpanId } from './hop-span-ids.ts'

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
      },
    },
    parentContext,
  )
  // Reading the envelope's headers again costs a JSON parse per event: only for a span recorded.
  if (span.isRecording()) span.setAttributes(envelopeAttributes(body))
  try {
    return await context.with(trace.setSpan(parentContext, span), process)
  } finally {
    span.end()
  }
}

/** A PRODUCER span of an event being published, see {@link startPublishSpan}. */
export interface PublishSpan {
  /** W3C `traceparent` naming this span: the event carries it, so consumers are its children. */
  readonly traceparent: string
  /** Ends the span: published (confirmed by the broker, with its envelope's headers) or not. */
  end(outcome: { readonly body: Buffer } | { readonly failed: string }): void
}

/**
 * Starts the PRODUCER span of one event the outbox relay publishes, in the trace of the request
 * that placed it. The relay runs after that request has answered, in batches, so the span starts
 * its own branch of the trace (no parent): what the consumers name as their parent then exists in
 * the store, in Jaeger and in Tempo. Without a tracer provider, the `traceparent` names a random
 * span id, as before.
 *
 * @example
 * ```ts
 * const span = startPublishSpan({ type: 'order.placed', traceId, publisher, subject: customer })
 * // seal with span.traceparent inside the signed claims, publish, wait for the confirm
 * span.end({ body })
 * ```
 */
export function startPublishSpan(event: {
  readonly type: string
  readonly traceId: string
  /** Workload id of the publisher. */
  readonly publisher: string
  /** The user the event is about, so her trust trace shows the publication. */
  readonly subject?: string
}): PublishSpan {
  const span = withSpanId(
    randomBytes(8).toString('hex'),
    () =>
      trace.getTracer('@mythical/telemetry').startSpan(
        `publish ${event.type}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            [TRUST_ATTRIBUTES.workload]: event.publisher,
            [TRUST_ATTRIBUTES.route]: `publish ${event.type}`,
            'mythical.event.type': event.type,
            ...(event.subject ? { [TRUST_ATTRIBUTES.enduser]: event.subject } : {}),
          },
        },
        ROOT_CONTEXT,
      ),
    event.traceId,
  )
  const recorded = span.spanContext()
  const spanId = span.isRecording() ? recorded.spanId : randomBytes(8).toString('hex')
  return {
    traceparent: `00-${event.traceId}-${spanId}-01`,
    end(outcome) {
      if ('body' in outcome) {
        span.setAttributes({
          'mythical.event.signature': `signed by ${event.publisher}`,
          ...envelopeAttributes(outcome.body),
        })
      } else {
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.failed })
      }
      span.end()
    },
  }
}
