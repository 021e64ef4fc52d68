import type { ServerOptions } from 'node:https'
import type { WorkloadIdentity } from './load-workload-identity.ts'

/** Options of {@link mtlsServerOptions}. */
export interface MtlsServerOptions {
  /**
   * Demand a client certificate from a trusted CA during the handshake (default `true`, for
   * internal listeners). Edge listeners pass `false`: TLS, no client certificate.
   */
  requireClientCertificate?: boolean
  /** More CA certificates whose workloads may connect, e.g. a partner domain's CA. */
  extraCaPem?: string[]
}

/**
 * HTTPS server options for a workload listener.
 *
 * Internal listeners negotiate TLS 1.3 only (every caller is one of our own workloads) and set
 * `requestCert` + `rejectUnauthorized`, so a caller without a certificate from a trusted CA never
 * reaches the application. Edge listeners accept TLS 1.2 for older browsers and tools.
 *
 * @example
 * ```ts
 * // internal: handshake refused without a workload certificate
 * https.createServer(mtlsServerOptions(identity), handler)
 * // edge: TLS, no client certificate
 * https.createServer(mtlsServerOptions(identity, { requireClientCertificate: false }), handler)
 * ```
 */
export function mtlsServerOptions(
  id: WorkloadIdentity,
  opts: MtlsServerOptions = {},
): ServerOptions {
  const requireClientCertificate = opts.requireClientCertificate ?? true
  return {
    cert: id.certPem,
    key: id.keyPem,
    ca: [id.caPem, ...(opts.extraCaPem ?? [])],
    requestCert: requireClientCertificate,
    rejectUnauthorized: true,
    minVersion: requireClientCertificate ? 'TLSv1.3' : 'TLSv1.2',
  }
}
