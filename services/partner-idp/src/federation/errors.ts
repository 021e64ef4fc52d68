/**
 * Why a federated subject token was refused. Each code is both the audit `reason` and the stable
 * error `code`, so a test, a log search and a dashboard all use the same string.
 */
export type FederationReason =
  | 'federation.unsupported_token_type'
  | 'federation.malformed'
  | 'federation.header_injection'
  | 'federation.alg_not_allowed'
  | 'federation.untrusted_issuer'
  | 'federation.jwks_unavailable'
  | 'federation.bad_signature'
  | 'federation.audience_mismatch'
  | 'federation.expired'
  | 'federation.not_yet_valid'
  | 'federation.invalid_claims'
  | 'federation.replayed'
  | 'federation.replay_cache_full'
  | 'federation.invalid_target'
  | 'federation.scope_widening'
  | 'federation.scope_not_granted'
  | 'federation.unsupported_parameter'

/** The OAuth 2.0 error (RFC 6749 §5.2, RFC 8707, RFC 8693 §2.2.2) a refusal answers with. */
export type OAuthErrorCode =
  'invalid_request' | 'invalid_grant' | 'invalid_target' | 'invalid_scope'

/**
 * A refused federation request: carries the audit reason (`code`) and the OAuth error to answer.
 * `message` is the client-facing `error_description`: it never echoes token contents.
 *
 * @example
 *   throw new FederationRefusal('federation.expired', 'invalid_grant', 'subject_token expired')
 */
export class FederationRefusal extends Error {
  readonly code: FederationReason
  readonly oauthError: OAuthErrorCode
  constructor(
    code: FederationReason,
    oauthError: OAuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = this.constructor.name
    this.code = code
    this.oauthError = oauthError
  }
}
