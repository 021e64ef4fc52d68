import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'
import { blockedProblem } from './blocked-problem.ts'

/**
 * Feedback loop: a DPoP key (the client instance holding it) blocked after repeated
 * authentication failures is refused even from a fresh address.
 */
export const checkBlockedKey: Check = (ctx) => {
  if (ctx.proofKey === undefined) return undefined
  const left = ctx.state.feedback.blockedFor(`key:${ctx.proofKey}`)
  if (left === 0) return undefined
  return deny(GATEWAY_REASONS.blockedKey, blockedProblem(GatewayProblems.ClientBlocked, left))
}
