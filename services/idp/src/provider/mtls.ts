/**
 * RFC 8705 hooks for oidc-provider: where the client certificate comes from and how it is
 * matched to a `tls_client_auth` client.
 *
 * - the certificate is read from the TLS socket, never from a header (no proxy in front of us);
 * - it counts only when Node verified it against the retail CA during the handshake
 *   (`socket.authorized`), which only the mTLS alias listener requests;
 * - a client matches by the SPIFFE id in the certificate's single URI SAN
 *   (`tls_client_auth_san_uri`), the same identity the workloads use on every other hop.
 */
import { X509Certificate } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { spiffeIdOfCertificate } from '@mythical/mtls'

function tlsSocket(ctx: KoaContextWithOIDC): TLSSocket | undefined {
  const socket = ctx.req.socket as Partial<TLSSocket>
  return typeof socket.getPeerCertificate === 'function' ? (socket as TLSSocket) : undefined
}

/** PEM of the verified peer certificate, or `undefined` when none was presented. */
export function getCertificate(ctx: KoaContextWithOIDC): string | undefined {
  const socket = tlsSocket(ctx)
  if (!socket?.authorized) return undefined
  const peer = socket.getPeerCertificate()
  if (!peer?.raw) return undefined
  return new X509Certificate(peer.raw).toString()
}

/** Whether the handshake verified the client certificate against a trusted CA. */
export function certificateAuthorized(ctx: KoaContextWithOIDC): boolean {
  return tlsSocket(ctx)?.authorized === true
}

/** Match the registered `tls_client_auth_san_uri` against the certificate's SPIFFE id. */
export function certificateSubjectMatches(
  ctx: KoaContextWithOIDC,
  property: string,
  expected: string,
): boolean {
  if (property !== 'tls_client_auth_san_uri') return false
  const pem = getCertificate(ctx)
  if (!pem) return false
  try {
    return spiffeIdOfCertificate(new X509Certificate(pem)) === expected
  } catch {
    return false
  }
}
