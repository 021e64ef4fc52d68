/**
 * Errors thrown while running the stack's RabbitMQ node. Every error carries a stable string
 * `code` (static and on the instance) so the runner and tests can `switch (err.code)`.
 *
 * @module
 */

/** Stable codes of every {@link RabbitmqError}. */
export type RabbitmqErrorCode =
  | 'ERR_RABBITMQ_GENERIC'
  | 'ERR_RABBITMQ_NOT_INSTALLED'
  | 'ERR_RABBITMQ_PKI_MISSING'
  | 'ERR_RABBITMQ_COMMAND_FAILED'
  | 'ERR_RABBITMQ_STOP_FAILED'
  | 'ERR_RABBITMQ_LOCK_TIMEOUT'

/** Base class of the errors thrown by the RabbitMQ lifecycle. */
export class RabbitmqError extends Error {
  static code: RabbitmqErrorCode = 'ERR_RABBITMQ_GENERIC'
  code: RabbitmqErrorCode = 'ERR_RABBITMQ_GENERIC'

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
    Error.captureStackTrace?.(this, this.constructor)
  }
}

/** The Debian package `rabbitmq-server` is not installed on this machine. */
export class RabbitmqNotInstalled extends RabbitmqError {
  static override code = 'ERR_RABBITMQ_NOT_INSTALLED' as const
  override code = 'ERR_RABBITMQ_NOT_INSTALLED' as const
}

/** The broker's certificate, key or a trusted CA is missing: run the PKI first. */
export class RabbitmqPkiMissing extends RabbitmqError {
  static override code = 'ERR_RABBITMQ_PKI_MISSING' as const
  override code = 'ERR_RABBITMQ_PKI_MISSING' as const
}

/** `rabbitmq-server` or `rabbitmqctl` exited non-zero; `output` holds what it printed. */
export class RabbitmqCommandFailed extends RabbitmqError {
  static override code = 'ERR_RABBITMQ_COMMAND_FAILED' as const
  override code = 'ERR_RABBITMQ_COMMAND_FAILED' as const
  readonly output: string

  constructor(message: string, output: string, options?: { cause?: unknown }) {
    super(message, options)
    this.output = output
  }
}

/** The node's Erlang VM was still alive after `rabbitmqctl stop` and a SIGTERM. */
export class RabbitmqStopFailed extends RabbitmqError {
  static override code = 'ERR_RABBITMQ_STOP_FAILED' as const
  override code = 'ERR_RABBITMQ_STOP_FAILED' as const
}

/** Another process kept the node's lock (a start or provision still running) too long. */
export class RabbitmqLockTimeout extends RabbitmqError {
  static override code = 'ERR_RABBITMQ_LOCK_TIMEOUT' as const
  override code = 'ERR_RABBITMQ_LOCK_TIMEOUT' as const
}
