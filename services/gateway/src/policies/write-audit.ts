import type { Decision } from '@mythical/audit'
import type { GatewayContext } from '../gateway-context.ts'

/** The decision the pipeline reached, for the audit record. */
export interface PipelineDecision {
  readonly decision: Decision
  readonly reason: string
  /** The check that decided (`forward` when every check passed). */
  readonly policy: string
  /** The status answered; absent when the request is forwarded (the upstream answers). */
  readonly status?: number
}

/** Token decisions are TB03 (web ↔ gateway); every other edge policy is TB14. */
const TOKEN_REASON = /^(?:gateway|token|dpop|introspection|token_exchange|client)\./

/**
 * The one audit record of a request, allow or deny: which policy decided and why, for which
 * API, client and user, from which address — and which spoofed headers were removed. Never the
 * token, the proof or the body.
 */
export function writeAudit(ctx: GatewayContext, outcome: PipelineDecision): void {
  const { request, state, access, api } = ctx
  state.audit.decision({
    traceId: request.traceContext.traceId,
    boundary: TOKEN_REASON.test(outcome.reason) ? 'TB03' : 'TB14',
    decision: outcome.decision,
    reason: outcome.reason,
    policy: outcome.policy,
    ...(outcome.status === undefined ? {} : { status: outcome.status }),
    route: `${request.method} ${request.url.split('?', 1)[0] ?? ''}`,
    address: ctx.address,
    ...(api ? { api: api.name } : {}),
    ...(access ? { client: access.clientId } : {}),
    ...(access?.subject === undefined ? {} : { subject: access.subject }),
    ...(ctx.strippedHeaders.length > 0 ? { strippedHeaders: ctx.strippedHeaders } : {}),
  })
}
