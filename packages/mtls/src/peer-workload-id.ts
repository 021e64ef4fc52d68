import type { TLSSocket } from 'node:tls'
import { X509Certificate } from 'node:crypto'
import { spiffeIdOfCertificate } from './certificate-spiffe-id.ts'

/**
 * The SPIFFE id of the peer on a TLS socket, or `undefined` when there is no verified peer
 * identity: no certificate, a certificate the handshake did not verify against a trusted CA
 * (`socket.authorized === false`), or no single well-formed SPIFFE URI SAN.
 *
 * @example
 * ```ts
 * server.on('secureConnection', (socket) => log.info({ peer: peerWorkloadId(socket) }))
 * ```
 */
export function peerWorkloadId(socket: TLSSocket): string | undefined {
  // Only a certificate that chained to a trusted CA says anything about who is calling.
  if (!socket.authorized) return undefined
  const peer = socket.getPeerCertificate()
  if (!peer?.raw) return undefined
  try {
    return spiffeIdOfCertificate(new X509Certificate(peer.raw))
  } catch {
    return undefined
  }
}
