/**
 * The two HTTPS listeners of an OpenID provider, serving the same request listener:
 *
 * - the edge listener (`port`): TLS, no client certificate — browsers and BFFs authenticate at
 *   the OAuth layer (`private_key_jwt`);
 * - the mTLS alias listener (`mtlsPort`, RFC 8705 `mtls_endpoint_aliases`): the handshake demands
 *   a workload certificate from the own trust domain's CA, so a certificate the provider sees
 *   there was verified by Node, never merely claimed. Another domain's CA is trusted only for the
 *   workloads named in `federatedPeers`: any other certificate it signed is dropped right after
 *   the handshake, before a request is read.
 *
 * Given an audit logger, the alias audits what it turns away: a refused handshake
 * (`auditHandshakeRefusals`) and a verified peer it does not admit (`mtls.peer_not_admitted`,
 * with that peer's SPIFFE id) — neither ever becomes a request the provider could audit.
 *
 * Both present the provider's own workload certificate. {@link stopOnSignals} adds the graceful
 * shutdown a supervisor expects.
 */
import { X509Certificate } from 'node:crypto'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { childTraceparent, type AuditLogger } from '@mythical/audit'
import {
  auditHandshakeRefusals,
  HANDSHAKE_REASONS,
  mtlsServerOptions,
  spiffeIdOfCertificate,
  type WorkloadIdentity,
} from '@mythical/mtls'
import type { RequestListener } from './oidc-probes.ts'

/** Options of {@link startOidcListeners}. */
export interface OidcListenerOptions {
  identity: WorkloadIdentity
  host: string
  /** Edge port; 0 picks a free one. */
  port: number
  /** mTLS alias port; 0 picks a free one. */
  mtlsPort: number
  /** Workloads of other trust domains that may use the mTLS alias (federation). */
  federatedPeers?: readonly FederatedPeers[]
  /** Where the alias audits the callers it turns away; without it they are only refused. */
  audit?: AuditLogger
}

/** A foreign trust domain's CA, and the only workloads it signed that the alias accepts. */
export interface FederatedPeers {
  readonly caPem: string
  /** SPIFFE ids, e.g. `spiffe://retail.mythical.example/web`. */
  readonly spiffeIds: readonly string[]
}

/** Both listeners, listening. */
export interface OidcListeners {
  /** `https://<host>:<port>` actually bound by the edge listener. */
  readonly origin: string
  /** Same for the mTLS alias listener. */
  readonly mtlsOrigin: string
  /** Stop accepting, let in-flight requests finish, drop idle keep-alive connections. */
  close(): Promise<void>
}

/**
 * Starts both listeners around `listener` (usually `withOidcProbes(provider.callback(), …)`).
 * When one fails to listen, the other is closed again before the error is thrown.
 *
 * @example
 * ```ts
 * const listeners = await startOidcListeners(listener, { identity, host, port: 4000, mtlsPort: 4001 })
 * stopOnSignals(() => listeners.close())
 * ```
 */
export async function startOidcListeners(
  listener: RequestListener,
  opts: OidcListenerOptions,
): Promise<OidcListeners> {
  const edge = createServer(
    mtlsServerOptions(opts.identity, { requireClientCertificate: false }),
    listener,
  )
  const federated = opts.federatedPeers ?? []
  const alias = createServer(
    mtlsServerOptions(opts.identity, {
      requireClientCertificate: true,
      ...(federated.length > 0 ? { extraCaPem: federated.map((peers) => peers.caPem) } : {}),
    }),
    listener,
  )
  const admitted = admittedPeer(opts.identity, federated)
  const { audit } = opts
  alias.on('secureConnection', (socket: TLSSocket) => {
    const peer = admitted(socket)
    if (peer.admitted) return
    socket.destroy()
    audit?.decision({
      traceId: childTraceparent().context.traceId,
      decision: 'deny',
      reason: HANDSHAKE_REASONS.peerNotAdmitted,
      ...(peer.spiffeId ? { caller: peer.spiffeId } : {}),
      ...(socket.remoteAddress ? { address: socket.remoteAddress } : {}),
    })
  })
  if (audit) auditHandshakeRefusals(alias, audit)
  const servers = [edge, alias]
  try {
    const port = await listen(edge, opts.port, opts.host)
    const mtlsPort = await listen(alias, opts.mtlsPort, opts.host)
    return {
      origin: `https://${opts.host}:${port}`,
      mtlsOrigin: `https://${opts.host}:${mtlsPort}`,
      close: () => Promise.all(servers.map(close)).then(() => undefined),
    }
  } catch (err) {
    await Promise.all(servers.filter((s) => s.listening).map(close))
    throw err
  }
}

/**
 * Whether a verified peer may stay: a workload of the own trust domain, or one of the listed
 * federated workloads. The handshake already proved the certificate chains to a trusted CA and,
 * through the CAs' name constraints, that its SPIFFE id lies in that CA's own domain.
 */
function admittedPeer(identity: WorkloadIdentity, federated: readonly FederatedPeers[]) {
  const ownDomain = new URL(identity.spiffeId).host
  const listed = new Set(federated.flatMap((peers) => peers.spiffeIds))
  return (socket: TLSSocket): { admitted: boolean; spiffeId?: string } => {
    const raw = socket.getPeerCertificate().raw
    if (!raw) return { admitted: false }
    try {
      const spiffeId = spiffeIdOfCertificate(new X509Certificate(raw))
      return { admitted: new URL(spiffeId).host === ownDomain || listed.has(spiffeId), spiffeId }
    } catch {
      // A certificate without exactly one SPIFFE URI SAN identifies no workload.
      return { admitted: false }
    }
  }
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as AddressInfo).port
}

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()))
    server.closeIdleConnections()
  })
}

/** Signals that ask a service to stop: compose/orchestrators send SIGTERM, a terminal SIGINT. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const

/**
 * On the first SIGTERM/SIGINT run `stop` (close listeners, then pools), exit 0 — or 1 when it
 * fails, so the supervisor sees it.
 *
 * @example
 * ```ts
 * stopOnSignals(async () => {
 *   await listeners.close()
 *   await pool.end()
 * }, (err) => log.error({ err }, 'shutdown failed'))
 * ```
 */
export function stopOnSignals(stop: () => Promise<void>, onError?: (err: unknown) => void): void {
  let stopping = false
  const handle = () => {
    if (stopping) return
    stopping = true
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        onError?.(err)
        process.exit(1)
      },
    )
  }
  for (const signal of STOP_SIGNALS) process.once(signal, handle)
}
