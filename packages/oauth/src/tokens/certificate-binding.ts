/**
 * Certificate-bound access tokens (RFC 8705 §3): a token carrying `cnf.x5t#S256` may only be used
 * over a TLS connection whose client presented that very certificate, so a token stolen from one
 * workload is useless to any other.
 *
 * @module
 */
import { X509Certificate, createHash, timingSafeEqual } from 'node:crypto'
import { OAuthKitError } from '../errors.ts'

/** RFC 8705 §3.1: base64url(SHA-256(DER certificate)). */
export function certificateThumbprint(certificate: X509Certificate | Uint8Array): string {
  const der = certificate instanceof X509Certificate ? certificate.raw : certificate
  return createHash('sha256').update(der).digest('base64url')
}

/**
 * Refuses unless `claims.cnf['x5t#S256']` is the thumbprint of the TLS peer certificate.
 * A token without the confirmation claim is refused too: this check is used where binding is
 * required.
 *
 * @param peerCertificate the client certificate of the connection (e.g.
 *   `new X509Certificate(socket.getPeerCertificate().raw)`), or `undefined` when none was shown
 * @example
 *   assertCertificateBound(payload, new X509Certificate(socket.getPeerCertificate().raw))
 */
export function assertCertificateBound(
  claims: { readonly [claim: string]: unknown },
  peerCertificate: X509Certificate | Uint8Array | undefined,
): void {
  const cnf = claims.cnf
  const bound =
    typeof cnf === 'object' && cnf !== null
      ? (cnf as Record<string, unknown>)['x5t#S256']
      : undefined
  if (typeof bound !== 'string' || bound === '') {
    throw new OAuthKitError('cnf.missing', 'token is not bound to a certificate')
  }
  if (peerCertificate === undefined) {
    throw new OAuthKitError('cnf.certificate_mismatch', 'no client certificate on this connection')
  }
  const presented = Buffer.from(certificateThumbprint(peerCertificate))
  const expected = Buffer.from(bound)
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new OAuthKitError(
      'cnf.certificate_mismatch',
      'token is bound to another client certificate',
    )
  }
}
