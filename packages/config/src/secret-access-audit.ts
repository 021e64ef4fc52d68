/**
 * The audit record of a secret read the runtime refused (TB13). Locally every service runs as
 * the same OS user, so what keeps one service away from another's keys is Node's permission
 * model (the runner starts each service with read access to its own secrets folder only). Node
 * refuses such a read with `ERR_ACCESS_DENIED`; the secret loader reports it here, so an attempt
 * is a decision on the trust trace, not just a stack trace.
 *
 * The record carries stable codes only: neither the content (never read) nor the path (it names
 * another service's layout) reaches the log.
 */
import { childTraceparent, createAuditLogger } from '@mythical/audit'

/** Reason code of a refused secret read. */
export const SECRET_ACCESS_DENIED_REASON = 'secrets.access_denied'

/**
 * Writes the denial as one audit line on stdout (where every service's audit trail goes).
 *
 * @example
 * ```ts
 * auditSecretAccessDenied()
 * ```
 */
export function auditSecretAccessDenied(): void {
  // The refusal may come before the service has parsed its configuration (loading keys is part
  // of start-up), so the name comes straight from the runner's contract variable.
  const service = process.env.SERVICE_NAME || 'unknown-service'
  createAuditLogger({ service }).decision({
    traceId: childTraceparent().context.traceId,
    boundary: 'TB13',
    decision: 'deny',
    reason: SECRET_ACCESS_DENIED_REASON,
  })
}
