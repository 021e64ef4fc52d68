/**
 * Per-route caller allow-list for express, with the fastify kit's semantics and audit reasons:
 * no client certificate → 401 `ZT_ERR_MTLS_REQUIRED`, another workload → 403
 * `ZT_ERR_PEER_NOT_ALLOWED`, listed workload → next; every decision audited.
 */
import type { AuditLogger } from '@mythical/audit'
import { parseSpiffeId } from '@mythical/mtls'
import { ClientCertificateRequired, PeerNotAllowed } from '@mythical/problem'
import type { RequestHandler } from 'express'
import { PEER_AUDIT_REASONS } from '../plugins/peer-identity.ts'

/**
 * Builds the allow-list middleware; the ids are validated now, so a typo fails at boot.
 *
 * @example
 * ```ts
 * const fulfillment = 'spiffe://retail.mythical.example/order-fulfillment-api'
 * app.post('/tokens', allowCallers(audit, [fulfillment]), tokenize)
 * ```
 */
export function allowCallers(audit: AuditLogger, callers: readonly string[]): RequestHandler {
  if (!Array.isArray(callers) || callers.length === 0) {
    throw new TypeError('"callers" must be a non-empty array of SPIFFE ids')
  }
  for (const id of callers) parseSpiffeId(id)
  const allowed = new Set(callers)
  return (req, _res, next) => {
    const base = { traceId: req.traceContext.traceId, route: `${req.method} ${req.path}` }
    if (req.peerId === undefined) {
      audit.decision({ ...base, decision: 'deny', reason: PEER_AUDIT_REASONS.noCertificate })
      next(new ClientCertificateRequired(`${base.route} requires a workload client certificate`))
      return
    }
    if (!allowed.has(req.peerId)) {
      audit.decision({
        ...base,
        caller: req.peerId,
        decision: 'deny',
        reason: PEER_AUDIT_REASONS.notAllowed,
      })
      next(new PeerNotAllowed(`workload "${req.peerId}" may not call ${base.route}`))
      return
    }
    audit.decision({
      ...base,
      caller: req.peerId,
      decision: 'allow',
      reason: PEER_AUDIT_REASONS.allowed,
    })
    next()
  }
}
