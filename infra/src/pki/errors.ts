/**
 * Errors of the stack's PKI set-up (`ensurePki`, `pnpm pki`), with stable string `code`s.
 *
 * @module
 */

/** Stable codes of every {@link StackPkiError}. */
export type StackPkiErrorCode =
  'ERR_STACK_PKI_GENERIC' | 'ERR_STACK_PKI_INVALID_JWK' | 'ERR_STACK_PKI_LOCK_TIMEOUT'

/** Base class of the errors raised while laying out `.stack/pki` and `.stack/secrets`. */
export class StackPkiError extends Error {
  static code: StackPkiErrorCode = 'ERR_STACK_PKI_GENERIC'
  code: StackPkiErrorCode = 'ERR_STACK_PKI_GENERIC'

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
    Error.captureStackTrace?.(this, this.constructor)
  }
}

/**
 * A stored private JWK is unreadable or not what its file name promises. It is not silently
 * replaced: JWKs are long-lived (peers pin their `kid`), so a human decides (delete the file to
 * have a new key generated).
 */
export class InvalidStoredJwk extends StackPkiError {
  static override code = 'ERR_STACK_PKI_INVALID_JWK' as const
  override code = 'ERR_STACK_PKI_INVALID_JWK' as const
}

/** Another process held the PKI lock for too long. */
export class PkiLockTimeout extends StackPkiError {
  static override code = 'ERR_STACK_PKI_LOCK_TIMEOUT' as const
  override code = 'ERR_STACK_PKI_LOCK_TIMEOUT' as const
}
