import { GATEWAY_REASONS, isAuthenticationFailure } from '../reasons.ts'
import type { GatewayContext } from '../gateway-context.ts'
import type { PipelineDecision } from './write-audit.ts'

/**
 * The feedback loop's input: an authentication failure counts against the client's address and,
 * when its proof verified, against its DPoP key. The failure that starts a block is audited as
 * `feedback.block_started`; the block then refuses the address (or key) early until it expires.
 */
export function recordFailure(ctx: GatewayContext, outcome: PipelineDecision): void {
  if (outcome.decision !== 'deny' || !isAuthenticationFailure(outcome.reason)) return
  const { feedback, audit } = ctx.state
  const keys = [`address:${ctx.address}`, ...(ctx.proofKey ? [`key:${ctx.proofKey}`] : [])]
  for (const key of keys) {
    if (!feedback.recordFailure(key)) continue
    audit.decision({
      traceId: ctx.request.traceContext.traceId,
      boundary: 'TB14',
      decision: 'deny',
      reason: GATEWAY_REASONS.blockStarted,
      policy: key.startsWith('address:') ? 'feedback loop: address' : 'feedback loop: DPoP key',
      address: ctx.address,
    })
  }
}
