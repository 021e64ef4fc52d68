/**
 * An OTLP `ExportTraceServiceRequest` (opentelemetry-proto `trace/v1`), as OTLP/HTTP JSON or as
 * decoded from protobuf by `otlp-protobuf.ts`, → the spans the store keeps. Strict: an id that is not lower-case hex of the right length, a time that is not a
 * number, or a batch beyond the limits refuses the whole request (400) rather than store half of
 * it. Attribute values are flattened to scalars (arrays joined): the trust trace needs no more.
 *
 * @module
 */
import { TRUST_ATTRIBUTES } from '@mythical/audit'
import { ValidationFailed } from '@mythical/problem'

/** A scalar attribute value as stored. */
export type AttributeValue = string | number | boolean

/** One span event as stored. */
export interface StoredEvent {
  readonly name: string
  readonly time: string
  readonly attributes: Readonly<Record<string, AttributeValue>>
}

/** One span as stored (see migrations/0001_spans.sql). */
export interface StoredSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  /** The user the span belongs to (`enduser.id`), if any. */
  readonly enduserId: string | undefined
  readonly name: string
  readonly kind: number
  readonly startTime: string
  readonly endTime: string
  readonly statusCode: number
  readonly attributes: Readonly<Record<string, AttributeValue>>
  readonly events: readonly StoredEvent[]
}

/** Spans one request may carry: a batch processor sends at most 512 by default. */
export const MAX_SPANS_PER_REQUEST = 2048
const MAX_EVENTS_PER_SPAN = 128

const TRACE_ID = /^[0-9a-f]{32}$/
const SPAN_ID = /^[0-9a-f]{16}$/
const ZERO = /^0+$/

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const list = (value: unknown, what: string): unknown[] => {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new ValidationFailed(`${what} must be an array`)
  return value
}

function scalar(value: Record<string, unknown> | undefined): AttributeValue | undefined {
  if (!value) return undefined
  if (typeof value.stringValue === 'string') return value.stringValue
  if (typeof value.boolValue === 'boolean') return value.boolValue
  if (typeof value.doubleValue === 'number') return value.doubleValue
  if (typeof value.intValue === 'number') return value.intValue
  if (typeof value.intValue === 'string' && /^-?\d{1,15}$/.test(value.intValue)) {
    return Number(value.intValue)
  }
  if (isObject(value.arrayValue)) {
    return list(value.arrayValue.values, 'arrayValue.values')
      .map((item) => String(scalar(item as Record<string, unknown>) ?? ''))
      .join(',')
  }
  return undefined
}

function attributesOf(value: unknown): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {}
  for (const item of list(value, 'attributes')) {
    if (!isObject(item) || typeof item.key !== 'string') {
      throw new ValidationFailed('attribute without a key')
    }
    const v = scalar(isObject(item.value) ? item.value : undefined)
    if (v !== undefined) attributes[item.key] = v
  }
  return attributes
}

/** OTLP times are unsigned 64-bit nanoseconds, as a decimal string (JSON) or a number. */
function isoTime(value: unknown, what: string): string {
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text !== 'string' || !/^\d{1,20}$/.test(text)) {
    throw new ValidationFailed(`${what} must be nanoseconds since the epoch`)
  }
  const millis = Number(BigInt(text) / 1_000_000n)
  return new Date(millis).toISOString()
}

/** An id is hex in OTLP/JSON and bytes in protobuf; empty means absent in both. */
const hexOf = (value: unknown): unknown =>
  value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value

function id(raw: unknown, pattern: RegExp, what: string): string {
  const value = hexOf(raw)
  if (typeof value !== 'string' || !pattern.test(value) || ZERO.test(value)) {
    throw new ValidationFailed(`${what} must be lower-case hex`)
  }
  return value
}

function spanOf(raw: unknown): StoredSpan {
  if (!isObject(raw)) throw new ValidationFailed('span must be an object')
  const attributes = attributesOf(raw.attributes)
  const rawEvents = list(raw.events, 'events')
  if (rawEvents.length > MAX_EVENTS_PER_SPAN) throw new ValidationFailed('too many span events')
  const events = rawEvents.map((event): StoredEvent => {
    if (!isObject(event) || typeof event.name !== 'string') {
      throw new ValidationFailed('span event without a name')
    }
    return {
      name: event.name,
      time: isoTime(event.timeUnixNano, 'event time'),
      attributes: attributesOf(event.attributes),
    }
  })
  const parent = hexOf(raw.parentSpanId)
  const enduser = attributes[TRUST_ATTRIBUTES.enduser]
  return {
    traceId: id(raw.traceId, TRACE_ID, 'traceId'),
    spanId: id(raw.spanId, SPAN_ID, 'spanId'),
    parentSpanId:
      parent === undefined || parent === '' ? undefined : id(parent, SPAN_ID, 'parentSpanId'),
    enduserId: typeof enduser === 'string' && enduser !== '' ? enduser : undefined,
    name: typeof raw.name === 'string' ? raw.name : '',
    kind: typeof raw.kind === 'number' ? raw.kind : 0,
    startTime: isoTime(raw.startTimeUnixNano, 'startTimeUnixNano'),
    endTime: isoTime(raw.endTimeUnixNano, 'endTimeUnixNano'),
    statusCode: isObject(raw.status) && typeof raw.status.code === 'number' ? raw.status.code : 0,
    attributes,
    events,
  }
}

/**
 * The spans of an OTLP export request (OTLP/JSON, or protobuf decoded by `otlp-protobuf.ts`).
 *
 * @throws `ValidationFailed` (400) for anything that is not a well-formed export request.
 */
export function spansOfExportRequest(body: unknown): StoredSpan[] {
  if (!isObject(body)) throw new ValidationFailed('body must be an ExportTraceServiceRequest')
  const spans: StoredSpan[] = []
  for (const resourceSpans of list(body.resourceSpans, 'resourceSpans')) {
    if (!isObject(resourceSpans)) throw new ValidationFailed('resourceSpans must hold objects')
    for (const scopeSpans of list(resourceSpans.scopeSpans, 'scopeSpans')) {
      if (!isObject(scopeSpans)) throw new ValidationFailed('scopeSpans must hold objects')
      for (const span of list(scopeSpans.spans, 'spans')) {
        spans.push(spanOf(span))
        if (spans.length > MAX_SPANS_PER_REQUEST) {
          throw new ValidationFailed(`at most ${MAX_SPANS_PER_REQUEST} spans per request`)
        }
      }
    }
  }
  return spans
}
