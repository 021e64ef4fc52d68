/**
 * Typed errors of the IdP with stable string codes (`switch (err.code)`), like jose's `JOSEError`.
 * Protocol refusals reach clients as oidc-provider `OIDCProviderError`s; these are the internal
 * conditions behind them (and the audit reason codes they map to).
 */

export type IdpErrorCode = 'ERR_IDP_GENERIC' | 'ERR_IDP_KEYSTORE' | 'ERR_IDP_SEALED_SECRET'

/** Base class of every IdP error. */
export class IdpError extends Error {
  static code: IdpErrorCode = 'ERR_IDP_GENERIC'
  code: IdpErrorCode = 'ERR_IDP_GENERIC'
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
  }
}

/** The signing keystore is missing, malformed or holds a key of a forbidden algorithm. */
export class KeystoreError extends IdpError {
  static override code = 'ERR_IDP_KEYSTORE' as const
  override code = 'ERR_IDP_KEYSTORE' as const
}

/** A sealed (encrypted-at-rest) secret could not be opened: wrong key, tampered or malformed. */
export class SealedSecretError extends IdpError {
  static override code = 'ERR_IDP_SEALED_SECRET' as const
  override code = 'ERR_IDP_SEALED_SECRET' as const
}
