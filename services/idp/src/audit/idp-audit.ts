/**
 * The IdP's audit trail: one record per trust decision, with the W3C trace id of the request
 * (from its `traceparent`, or a fresh one) so the records line up with the caller's.
 */
import type { IncomingMessage } from 'node:http'
import { childTraceparent, parseTraceparent } from '@mythical/audit'
import type { AuditLogger } from '@mythical/audit'

/** Fields of one IdP decision besides the trace id. */
export interface IdpDecision {
  decision: 'allow' | 'deny'
  reason: string
  boundary?: string
  caller?: string
  subject?: string
  [k: string]: unknown
}

/** Records decisions for requests. */
export interface IdpAudit {
  record(req: IncomingMessage | undefined, decision: IdpDecision): void
  readonly logger: AuditLogger['logger']
}

/** Trace id of a request: its `traceparent` when valid, otherwise a new trace. */
export function traceIdOf(req: IncomingMessage | undefined): string {
  const header = req?.headers.traceparent
  const parent = parseTraceparent(typeof header === 'string' ? header : undefined)
  return parent?.traceId ?? childTraceparent().context.traceId
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
      logger.decision({ traceId: traceIdOf(req), ...decision })
    },
  }
}
