/**
 * Errors thrown by `@mythical/pki`. Every error carries a stable string `code` (static and on the
 * instance) so callers and tests can `switch (err.code)` instead of matching messages.
 *
 * Bad *arguments* (a malformed SPIFFE id, a negative validity) are plain `TypeError`s; bad
 * *material* (a CA certificate that is not a CA, a key that does not belong to it, unparsable PEM)
 * throws a `PkiError`.
 *
 * @module
 */

/** Stable codes of every {@link PkiError}. */
export type PkiErrorCode =
  | 'ERR_PKI_GENERIC'
  | 'ERR_PKI_INVALID_CERTIFICATE'
  | 'ERR_PKI_INVALID_KEY'
  | 'ERR_PKI_NOT_A_CA'
  | 'ERR_PKI_CA_KEY_MISMATCH'
  | 'ERR_PKI_CA_EXPIRED'
  | 'ERR_PKI_NAME_CONSTRAINT'

/** Base class of the errors thrown for bad certificate or key material. */
export class PkiError extends Error {
  static code: PkiErrorCode = 'ERR_PKI_GENERIC'
  code: PkiErrorCode = 'ERR_PKI_GENERIC'

  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
    Error.captureStackTrace?.(this, this.constructor)
  }
}

/** A PEM string is not a parsable X.509 certificate. */
export class InvalidCertificate extends PkiError {
  static override code = 'ERR_PKI_INVALID_CERTIFICATE' as const
  override code = 'ERR_PKI_INVALID_CERTIFICATE' as const
}

/** A PEM string is not a parsable PKCS#8 ECDSA P-256 private key. */
export class InvalidKey extends PkiError {
  static override code = 'ERR_PKI_INVALID_KEY' as const
  override code = 'ERR_PKI_INVALID_KEY' as const
}

/** The certificate handed in as an issuer is not a CA (`basicConstraints` CA:false or absent). */
export class NotACertificateAuthority extends PkiError {
  static override code = 'ERR_PKI_NOT_A_CA' as const
  override code = 'ERR_PKI_NOT_A_CA' as const
}

/** The CA private key does not belong to the CA certificate: leaves would never chain. */
export class CaKeyMismatch extends PkiError {
  static override code = 'ERR_PKI_CA_KEY_MISMATCH' as const
  override code = 'ERR_PKI_CA_KEY_MISMATCH' as const
}

/** The CA is not valid at the issuing time: anything it signed now would not verify. */
export class CaExpired extends PkiError {
  static override code = 'ERR_PKI_CA_EXPIRED' as const
  override code = 'ERR_PKI_CA_EXPIRED' as const
}

/** The SPIFFE ID's trust domain is outside the CA's name constraints: peers would reject it. */
export class NameConstraintViolation extends PkiError {
  static override code = 'ERR_PKI_NAME_CONSTRAINT' as const
  override code = 'ERR_PKI_NAME_CONSTRAINT' as const
}
