/**
 * The IdP's audit trail: one record per trust decision, with the W3C trace id of the request
 * (from its `traceparent`, or a fresh one) so the records line up with the caller's.
 */
import type { IncomingMessage } from 'node:http'
import type { AuditLogger, AuditRecord } from '@mythical/audit'
import { traceIdOf } from '@mythical/service-kit'

/** One IdP decision: an audit record whose trace id comes from the request. */
export type IdpDecision = Omit<AuditRecord, 'traceId'>

/** Records decisions for requests. */
export interface IdpAudit {
  record(req: IncomingMessage | undefined, decision: IdpDecision): void
  readonly logger: AuditLogger['logger']
}

/**
 * @example
 * ```ts
 * const audit = idpAudit(createAuditLogger({ service: 'idp' }))
 * audit.record(req, { decision: 'deny', reason: 'login.bad_password', boundary: 'TB02' })
 * ```
 */
export function idpAudit(logger: AuditLogger): IdpAudit {
  return {
    logger: logger.logger,
    record(req, decision) {
      logger.decision({ traceId: traceIdOf(req?.headers.traceparent), ...decision })
    },
  }
}
