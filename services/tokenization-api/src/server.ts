/**
 * Starts the vault: its express app on an mTLS listener that accepts only certificates of the
 * cardvault CA. A client with any other certificate (a retail one, say) never reaches HTTP — the
 * handshake fails — so the refusal is audited here, from the TLS layer.
 */
import type { Server } from 'node:https'
import { childTraceparent, type AuditLogger } from '@mythical/audit'
import type { WorkloadIdentity } from '@mythical/mtls'
import { runExpressService } from '@mythical/service-kit'
import type { Express } from 'express'
import { VAULT_REASONS } from './vault-problems.ts'

/**
 * Audits every failed handshake (boundary TB07, reason `vault.handshake_refused`, the TLS error
 * code only: a certificate is not a secret, but nothing of it is needed either).
 */
export function auditRefusedHandshakes(server: Server, audit: AuditLogger): void {
  server.on('tlsClientError', (err: Error & { code?: string }) => {
    audit.decision({
      // A handshake carries no traceparent: the refusal starts its own trace.
      traceId: childTraceparent().context.traceId,
      boundary: 'TB07',
      decision: 'deny',
      reason: VAULT_REASONS.handshakeRefused,
    })
    audit.logger.info({ tlsError: err.code ?? 'unknown' }, 'TLS handshake refused')
  })
}

/**
 * @example
 * ```ts
 * const { app, audit } = await buildApp(config)
 * await startVault(app, audit, identity, { host: config.HOST, port: config.PORT })
 * ```
 */
export async function startVault(
  app: Express,
  audit: AuditLogger,
  identity: WorkloadIdentity,
  listen: { host: string; port: number },
): Promise<Server> {
  const server = await runExpressService(app, identity, { ...listen, exposure: 'internal' })
  auditRefusedHandshakes(server, audit)
  return server
}
