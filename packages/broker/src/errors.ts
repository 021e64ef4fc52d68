/**
 * Errors thrown by `@mythical/broker`. Every error carries a stable string `code` (static and on
 * the instance); the underlying amqplib / TLS error is kept as `cause`.
 *
 * @module
 */

/** Stable codes of every {@link BrokerError}. */
export type BrokerErrorCode =
  | 'ERR_BROKER_GENERIC'
  | 'ERR_BROKER_CREDENTIALS_INVALID'
  | 'ERR_BROKER_CONNECTION_FAILED'
  | 'ERR_BROKER_CHECK_FAILED'

/** Base class of the errors thrown by `@mythical/broker`. */
export class BrokerError extends Error {
  static code: BrokerErrorCode = 'ERR_BROKER_GENERIC'
  code: BrokerErrorCode = 'ERR_BROKER_GENERIC'

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
    Error.captureStackTrace?.(this, this.constructor)
  }
}

/** `amqp.json` is missing, not JSON, or lacks a field. The message never includes the password. */
export class BrokerCredentialsInvalid extends BrokerError {
  static override code = 'ERR_BROKER_CREDENTIALS_INVALID' as const
  override code = 'ERR_BROKER_CREDENTIALS_INVALID' as const
}

/**
 * The TLS handshake or the AMQP login failed: untrusted server certificate, client certificate
 * refused, wrong password, no access to the vhost. `cause` says which.
 */
export class BrokerConnectionFailed extends BrokerError {
  static override code = 'ERR_BROKER_CONNECTION_FAILED' as const
  override code = 'ERR_BROKER_CONNECTION_FAILED' as const
}

/** A connected broker did not answer a health check (could not open a channel). */
export class BrokerCheckFailed extends BrokerError {
  static override code = 'ERR_BROKER_CHECK_FAILED' as const
  override code = 'ERR_BROKER_CHECK_FAILED' as const
}
