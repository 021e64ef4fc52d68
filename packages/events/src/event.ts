/**
 * The business event as publisher and subscribers see it, and its claims inside the signed JWT.
 *
 * @module
 */

/** An event to publish: its id is the outbox `event_id`, the AMQP message id and the JWT `jti`. */
export interface BusinessEvent {
  readonly id: string
  readonly type: string
  /** The full event data; each audience gets its own projection of it. */
  readonly data: Readonly<Record<string, unknown>>
  /** W3C `traceparent` of the request that caused the event, so consumers join its trace. */
  readonly traceparent?: string
}

/** An event that passed every check of the subscriber that opened it. */
export interface VerifiedEvent {
  readonly id: string
  readonly type: string
  /** Workload id of the publisher (`iss`). */
  readonly issuer: string
  /** The audience this projection was signed for (`aud`). */
  readonly audience: string
  /** Seconds since the epoch (`iat`). */
  readonly issuedAt: number
  readonly traceparent?: string
  readonly data: Readonly<Record<string, unknown>>
}

/** `typ` of the signed event (JWS protected header), so no other JWT can pass as an event. */
export const EVENT_JWT_TYPE = 'event+jwt'

/** Claim names beyond the registered ones. */
export const EVENT_CLAIMS = {
  type: 'event_type',
  traceparent: 'traceparent',
  data: 'data',
} as const
