import type { AuditLogger } from '@mythical/audit'
import {
  auditHandshakeRefusals,
  mtlsServerOptions,
  parseSpiffeId,
  type WorkloadIdentity,
} from '@mythical/mtls'
import type { Express } from 'express'
import { createServer, type Server } from 'node:https'
import { inboundBoundary } from '../inbound-boundary.ts'

/** Options of {@link runExpressService}. */
export interface RunExpressOptions {
  host: string
  port: number
  /** `internal`: client certificate required in the handshake. `edge`: TLS without one. */
  exposure: 'edge' | 'internal'
  /** Extra CA certificates whose workloads may connect. */
  extraCaPem?: string[]
  /**
   * Internal listeners: where refused handshakes are audited (`auditHandshakeRefusals`, boundary
   * from the call graph). Leave it out only when the service audits them itself.
   */
  audit?: AuditLogger
}

/**
 * Serves an express app over HTTPS with the workload's certificate and stops gracefully on
 * SIGTERM/SIGINT (no new connections, in-flight requests finish, idle keep-alives close, exit 0).
 * Resolves with the listening server once it accepts connections.
 *
 * @example
 * ```ts
 * const { HOST: host, PORT: port } = config
 * await runExpressService(app, identity, { host, port, exposure: 'edge' })
 * await runExpressService(app, identity, { host, port, exposure: 'internal', audit })
 * ```
 */
export async function runExpressService(
  app: Express,
  identity: WorkloadIdentity,
  opts: RunExpressOptions,
): Promise<Server> {
  if (opts.exposure !== 'edge' && opts.exposure !== 'internal') {
    throw new TypeError('"exposure" option must be "edge" or "internal"')
  }
  const server = createServer(
    mtlsServerOptions(identity, {
      requireClientCertificate: opts.exposure === 'internal',
      ...(opts.extraCaPem ? { extraCaPem: opts.extraCaPem } : {}),
    }),
    app,
  )
  if (opts.exposure === 'internal' && opts.audit) {
    const boundary = inboundBoundary(parseSpiffeId(identity.spiffeId).path.slice(1))
    auditHandshakeRefusals(server, opts.audit, boundary ? { boundary } : {})
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    server.close((err) => process.exit(err ? 1 : 0))
    server.closeIdleConnections()
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  return server
}
