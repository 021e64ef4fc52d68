/**
 * Why an mTLS listener refused a handshake, as a dotted audit reason. Node reports the cause in
 * two places: an OpenSSL error on the `tlsClientError` event when the client sent no certificate
 * or spoke a protocol the listener does not accept, and `socket.authorizationError` (an OpenSSL
 * verify code) when a certificate was sent but did not verify — Node then closes the socket
 * itself and the event carries only `ECONNRESET`.
 */

/** Audit reasons of handshake refusals (see {@link handshakeRefusalReason}). */
export const HANDSHAKE_REASONS = {
  noCertificate: 'mtls.handshake_no_certificate',
  untrustedIssuer: 'mtls.handshake_untrusted_issuer',
  certificateExpired: 'mtls.handshake_certificate_expired',
  certificateNotYetValid: 'mtls.handshake_certificate_not_yet_valid',
  /** A certificate that chains to a trusted CA but fails another check (name constraints, usage). */
  certificateRejected: 'mtls.handshake_certificate_rejected',
  /** No certificate question reached: protocol version, cipher, plain HTTP, handshake timeout. */
  protocol: 'mtls.handshake_failed',
  /**
   * The handshake verified a certificate of a CA the listener trusts for named peers only (an
   * IdP's federation list), and this peer is not one of them: dropped right after the handshake.
   */
  peerNotAdmitted: 'mtls.peer_not_admitted',
  /** The listener's audit budget for the window is spent; further refusals are only counted. */
  throttled: 'mtls.handshake_refusals_throttled',
} as const

/** OpenSSL verify codes meaning "this certificate does not chain to a CA the listener trusts". */
const UNTRUSTED_ISSUER = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
])

/** Errors of a peer that went away on its own: nothing was refused, nothing is audited. */
const PEER_LEFT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT'])

/**
 * The audit reason for a failed handshake, or `undefined` when the listener refused nothing (the
 * client closed the connection before offering a certificate, e.g. a port probe).
 *
 * @example
 * ```ts
 * server.on('tlsClientError', (err, socket) => {
 *   handshakeRefusalReason(err.code, socket.authorizationError) // 'mtls.handshake_no_certificate'
 * })
 * ```
 */
export function handshakeRefusalReason(
  errorCode: string | undefined,
  authorizationError: string | undefined,
): string | undefined {
  if (authorizationError) {
    if (authorizationError === 'CERT_HAS_EXPIRED') return HANDSHAKE_REASONS.certificateExpired
    if (authorizationError === 'CERT_NOT_YET_VALID') return HANDSHAKE_REASONS.certificateNotYetValid
    if (UNTRUSTED_ISSUER.has(authorizationError)) return HANDSHAKE_REASONS.untrustedIssuer
    return HANDSHAKE_REASONS.certificateRejected
  }
  if (errorCode === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') {
    return HANDSHAKE_REASONS.noCertificate
  }
  if (errorCode === undefined || PEER_LEFT.has(errorCode)) return undefined
  return HANDSHAKE_REASONS.protocol
}
