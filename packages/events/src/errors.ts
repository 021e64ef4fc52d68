/**
 * Errors of `@mythical/events`. A message that fails any check is an {@link EventRejected} with a
 * stable dotted `reason` (written to the dead-letter header and the audit record); the underlying
 * jose error, if any, is kept as `cause` and never shown.
 *
 * @module
 */

/** Why a message was refused. Stable: dead-letter headers, audit records and tests use them. */
export type EventRejectionReason =
  | 'event.malformed'
  | 'event.unencrypted'
  | 'event.not_a_recipient'
  | 'event.undecryptable'
  | 'event.unsigned'
  | 'event.bad_signature'
  | 'event.unknown_key'
  | 'event.wrong_issuer'
  | 'event.wrong_audience'
  | 'event.stale'
  | 'event.message_id_mismatch'
  | 'event.unknown_type'

/** Stable codes of every {@link EventsError}. */
export type EventsErrorCode =
  'ERR_EVENTS_GENERIC' | 'ERR_EVENT_REJECTED' | 'ERR_EVENT_KEYS_INVALID' | 'ERR_EVENT_NOT_CONFIRMED'

/** Base class of the errors thrown by `@mythical/events`. */
export class EventsError extends Error {
  static code: EventsErrorCode = 'ERR_EVENTS_GENERIC'
  code: EventsErrorCode = 'ERR_EVENTS_GENERIC'

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
    Error.captureStackTrace?.(this, this.constructor)
  }
}

/** A message failed verification: it must be dead-lettered, never processed. */
export class EventRejected extends EventsError {
  static override code = 'ERR_EVENT_REJECTED' as const
  override code = 'ERR_EVENT_REJECTED' as const
  readonly reason: EventRejectionReason

  constructor(reason: EventRejectionReason, options?: { cause?: unknown }) {
    super(`event rejected: ${reason}`, options)
    this.reason = reason
  }
}

/** A key file or JWKS is missing, unreadable or has no key fit for the purpose. */
export class EventKeysInvalid extends EventsError {
  static override code = 'ERR_EVENT_KEYS_INVALID' as const
  override code = 'ERR_EVENT_KEYS_INVALID' as const
}

/** The broker did not confirm a publication (nack, unroutable, or the channel closed). */
export class EventNotConfirmed extends EventsError {
  static override code = 'ERR_EVENT_NOT_CONFIRMED' as const
  override code = 'ERR_EVENT_NOT_CONFIRMED' as const
}
