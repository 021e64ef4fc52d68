/**
 * RFC 8705 hook for oidc-provider: the client certificate of the request.
 *
 * - read from the TLS socket, never from a header (nothing sits in front of the partner IdP);
 * - it counts only when Node verified it against a trusted CA during the handshake
 *   (`socket.authorized`), which only the mTLS alias listener requests.
 */
import { X509Certificate } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import type { KoaContextWithOIDC } from 'oidc-provider'

/**
 * The verified peer certificate, or `undefined` on the edge listener.
 *
 * @example
 *   const cert = getCertificate(ctx) // bind the token to it: token.setThumbprint('x5t', cert)
 */
export function getCertificate(ctx: KoaContextWithOIDC): X509Certificate | undefined {
  const socket = ctx.req.socket as Partial<TLSSocket>
  if (typeof socket.getPeerCertificate !== 'function' || socket.authorized !== true) {
    return undefined
  }
  const peer = socket.getPeerCertificate()
  return peer?.raw ? new X509Certificate(peer.raw) : undefined
}
