/**
 * RFC 8705 hooks for oidc-provider (`features.mTLS`), shared by both IdPs:
 *
 * - the client certificate is read from the TLS socket, never from a header: nothing sits in
 *   front of an IdP that could vouch for one;
 * - it counts only when Node verified it against a trusted CA during the handshake
 *   (`socket.authorized`), which only the mTLS alias listener requests;
 * - a `tls_client_auth` client matches by the SPIFFE id in the certificate's single URI SAN
 *   (`tls_client_auth_san_uri`), the identity workloads use on every other hop.
 *
 * The context is typed structurally (only `ctx.req.socket` is read), so this module does not
 * depend on oidc-provider; the functions fit its `getCertificate`, `certificateAuthorized` and
 * `certificateSubjectMatches` options as they are.
 */
import { X509Certificate } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { spiffeIdOfCertificate } from '@mythical/mtls'

/** The part of oidc-provider's `KoaContextWithOIDC` these hooks read. */
export interface OidcRequestContext {
  readonly req: IncomingMessage
}

function tlsSocket(ctx: OidcRequestContext): TLSSocket | undefined {
  const socket = ctx.req.socket as Partial<TLSSocket>
  return typeof socket.getPeerCertificate === 'function' ? (socket as TLSSocket) : undefined
}

/**
 * PEM of the handshake-verified client certificate, or `undefined` when none was verified.
 *
 * @example
 * ```ts
 * const pem = getCertificate(ctx)
 * if (pem) accessToken.setThumbprint('x5t', pem) // cnf.x5t#S256
 * ```
 */
export function getCertificate(ctx: OidcRequestContext): string | undefined {
  const socket = tlsSocket(ctx)
  if (socket?.authorized !== true) return undefined
  const peer = socket.getPeerCertificate()
  return peer?.raw ? new X509Certificate(peer.raw).toString() : undefined
}

/**
 * Whether the handshake verified the client certificate against a trusted CA.
 *
 * @example
 * ```ts
 * features: { mTLS: { enabled: true, tlsClientAuth: true, certificateAuthorized } }
 * ```
 */
export function certificateAuthorized(ctx: OidcRequestContext): boolean {
  return tlsSocket(ctx)?.authorized === true
}

/**
 * Whether the verified certificate's SPIFFE id is the client's registered
 * `tls_client_auth_san_uri`; every other subject property is refused.
 *
 * @example
 * ```ts
 * certificateSubjectMatches(ctx, 'tls_client_auth_san_uri', 'spiffe://retail.mythical.example/gateway')
 * ```
 */
export function certificateSubjectMatches(
  ctx: OidcRequestContext,
  property: string,
  expected: string,
): boolean {
  if (property !== 'tls_client_auth_san_uri') return false
  const pem = getCertificate(ctx)
  if (!pem) return false
  try {
    return spiffeIdOfCertificate(new X509Certificate(pem)) === expected
  } catch {
    // A certificate without exactly one SPIFFE URI SAN identifies no workload.
    return false
  }
}
