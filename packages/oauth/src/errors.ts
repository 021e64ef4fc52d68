/**
 * Why the kit refused a token, a proof or an authorization-server answer. Each code is a stable
 * audit reason: tests, log searches and dashboards use the same string.
 *
 * @module
 */

/** Refusals of a JWT access token (or any JWT verified against an issuer's keys). */
export type TokenReason =
  | 'token.malformed'
  | 'token.header_injection'
  | 'token.algorithm'
  | 'token.type'
  | 'token.issuer'
  | 'token.unknown_key'
  | 'token.signature'
  | 'token.expired'
  | 'token.not_yet_valid'
  | 'token.audience'
  | 'token.claims'
  | 'token.replayed'
  | 'token.replay_store_full'
  | 'jwks.unavailable'

/** Refusals of a DPoP proof (RFC 9449 §4.3). */
export type DpopReason =
  | 'dpop.malformed'
  | 'dpop.type'
  | 'dpop.algorithm'
  | 'dpop.key'
  | 'dpop.signature'
  | 'dpop.htm'
  | 'dpop.htu'
  | 'dpop.iat'
  | 'dpop.nonce'
  | 'dpop.replayed'
  | 'dpop.replay_store_full'
  | 'dpop.ath'
  | 'dpop.jkt'

/** Refusals of a certificate-bound token (RFC 8705 §3). */
export type CertificateBindingReason = 'cnf.missing' | 'cnf.certificate_mismatch'

/** Failures talking to an authorization server as a client. */
export type ClientReason =
  | 'authorization_server.unavailable'
  | 'authorization_server.refused'
  | 'authorization_server.invalid_response'
  | 'introspection.inactive'

/** Every reason code of the kit. */
export type OAuthKitReason = TokenReason | DpopReason | CertificateBindingReason | ClientReason

/**
 * A refusal or failure of the kit. `message` is safe to log and to return: it never contains a
 * token, a proof or a key. `oauthError` is the authorization server's RFC 6749 §5.2 `error` when
 * it refused a client request.
 *
 * @example
 *   try {
 *     await verifier.verify(token)
 *   } catch (err) {
 *     if (err instanceof OAuthKitError && err.code === 'token.expired') reply401()
 *   }
 */
export class OAuthKitError extends Error {
  readonly code: OAuthKitReason
  readonly oauthError: string | undefined
  constructor(
    code: OAuthKitReason,
    message: string,
    options?: { cause?: unknown; oauthError?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = this.constructor.name
    this.code = code
    this.oauthError = options?.oauthError
  }
}
