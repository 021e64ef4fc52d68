import { X509Certificate } from 'node:crypto'
import { checkServerIdentity as checkHostname, type PeerCertificate } from 'node:tls'
import { Agent, type Dispatcher } from 'undici'
import { spiffeIdOfCertificate } from './certificate-spiffe-id.ts'
import { WorkloadIdentityError } from './errors.ts'
import type { WorkloadIdentity } from './load-workload-identity.ts'
import { parseSpiffeId } from './spiffe-id.ts'
import { traceparentInterceptor } from './traceparent-interceptor.ts'

/** Idle keep-alive sockets are closed after this many milliseconds unless told otherwise. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT = 4000

/** Options of {@link createMtlsAgent}. */
export interface MtlsAgentOptions {
  /**
   * The only CAs a server certificate may chain to. Defaults to the caller's own domain CA, so a
   * retail workload cannot be talked into trusting a certificate from another domain by accident.
   */
  trustedCaPem?: string[]
  /**
   * SPIFFE ids the server must present. When set, the server is authenticated by its SPIFFE id
   * (X509-SVID spec §5: identity, not DNS name) and any other id aborts the handshake.
   */
  allowedServerIds?: string[]
  /**
   * The server records its own span of every call in the caller's trace store (see
   * `traceparentInterceptor`): the call is then no CLIENT span of its own.
   */
  serverTraced?: boolean
  /** Milliseconds an idle keep-alive socket stays open, default 4000. */
  keepAliveTimeout?: number
}

function spiffeServerCheck(allowed: ReadonlySet<string>) {
  return (_hostname: string, cert: PeerCertificate): Error | undefined => {
    let presented: string
    try {
      presented = spiffeIdOfCertificate(new X509Certificate(cert.raw))
    } catch (err) {
      return err as Error
    }
    if (allowed.has(presented)) return undefined
    return new WorkloadIdentityError(
      'ERR_MTLS_SERVER_NOT_ALLOWED',
      `server presented SPIFFE id "${presented}", which is not in the allow-list`,
    )
  }
}

/**
 * An undici dispatcher that calls other workloads over mutual TLS: it presents the workload
 * certificate, trusts only the given CAs and, with `allowedServerIds`, refuses any server whose
 * SPIFFE id is not listed. Every request carries a `traceparent` continuing the current trace
 * (see {@link traceparentInterceptor}). Use it as the `dispatcher` of undici's own
 * `fetch`/`request` (same major version), and `close()` it when done.
 *
 * @example
 * ```ts
 * import { request } from 'undici'
 * const agent = createMtlsAgent(identity, {
 *   allowedServerIds: ['spiffe://retail.mythical.example/orders-api'],
 * })
 * const res = await request(`${config.ORDERS_API_URL}/orders`, { dispatcher: agent })
 * ```
 */
export function createMtlsAgent(
  id: WorkloadIdentity,
  opts: MtlsAgentOptions = {},
): Dispatcher.ComposedDispatcher {
  const keepAliveTimeout = opts.keepAliveTimeout ?? DEFAULT_KEEP_ALIVE_TIMEOUT
  if (!Number.isSafeInteger(keepAliveTimeout) || keepAliveTimeout < 0) {
    throw new WorkloadIdentityError(
      'ERR_MTLS_INVALID_OPTION',
      '"keepAliveTimeout" option must be a non-negative integer',
    )
  }
  if (opts.trustedCaPem?.length === 0) {
    throw new WorkloadIdentityError(
      'ERR_MTLS_INVALID_OPTION',
      '"trustedCaPem" option must not be empty',
    )
  }
  let checkServerIdentity = checkHostname
  if (opts.allowedServerIds) {
    if (opts.allowedServerIds.length === 0) {
      throw new WorkloadIdentityError(
        'ERR_MTLS_INVALID_OPTION',
        '"allowedServerIds" option must not be empty (omit it to check the host name instead)',
      )
    }
    for (const allowed of opts.allowedServerIds) {
      try {
        parseSpiffeId(allowed)
      } catch (cause) {
        throw new WorkloadIdentityError(
          'ERR_MTLS_INVALID_OPTION',
          `"allowedServerIds" option contains an invalid SPIFFE id: "${allowed}"`,
          { cause },
        )
      }
    }
    checkServerIdentity = spiffeServerCheck(new Set(opts.allowedServerIds))
  }
  return new Agent({
    keepAliveTimeout,
    connect: {
      cert: id.certPem,
      key: id.keyPem,
      ca: opts.trustedCaPem ?? [id.caPem],
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      checkServerIdentity,
    },
  }).compose(
    traceparentInterceptor({
      ...(opts.allowedServerIds?.length === 1 ? { server: opts.allowedServerIds[0] } : {}),
      ...(opts.serverTraced ? { serverTraced: true } : {}),
    }),
  )
}
