/**
 * Stable error codes of `@mythical/mtls`. Callers branch on `code`, never on `message`.
 *
 * - `ERR_MTLS_SECRET_UNREADABLE`: tls.crt, tls.key or ca.pem is missing or unreadable
 * - `ERR_MTLS_INVALID_CERTIFICATE`: a PEM does not parse, the key does not match, or the
 *   certificate is not issued by the CA
 * - `ERR_MTLS_CERTIFICATE_EXPIRED`: the workload certificate is outside its validity period
 * - `ERR_MTLS_NO_SPIFFE_ID`: the certificate carries no URI SAN, or more than one (X509-SVIDs
 *   carry exactly one)
 * - `ERR_MTLS_INVALID_SPIFFE_ID`: a string is not a well-formed `spiffe://` id
 * - `ERR_MTLS_SERVER_NOT_ALLOWED`: the server presented a SPIFFE id outside the caller's allow-list
 * - `ERR_MTLS_INVALID_OPTION`: an option passed to this package is malformed
 */
export type WorkloadIdentityErrorCode =
  | 'ERR_MTLS_SECRET_UNREADABLE'
  | 'ERR_MTLS_INVALID_CERTIFICATE'
  | 'ERR_MTLS_CERTIFICATE_EXPIRED'
  | 'ERR_MTLS_NO_SPIFFE_ID'
  | 'ERR_MTLS_INVALID_SPIFFE_ID'
  | 'ERR_MTLS_SERVER_NOT_ALLOWED'
  | 'ERR_MTLS_INVALID_OPTION'

/**
 * The one error type this package throws. Like jose's `JOSEError`, it carries a stable string
 * `code` and passes the underlying `cause` through for logs.
 *
 * @example
 * ```ts
 * try {
 *   loadWorkloadIdentity(dir)
 * } catch (err) {
 *   if (err instanceof WorkloadIdentityError && err.code === 'ERR_MTLS_NO_SPIFFE_ID') {
 *     log.fatal('tls.crt is not a workload certificate')
 *   }
 *   throw err
 * }
 * ```
 */
export class WorkloadIdentityError extends Error {
  readonly code: WorkloadIdentityErrorCode

  constructor(code: WorkloadIdentityErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'WorkloadIdentityError'
    this.code = code
  }
}
