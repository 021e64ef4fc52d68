import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'
import { blockedProblem } from './blocked-problem.ts'

/** Feedback loop: an address blocked after repeated authentication failures is refused early. */
export const checkBlockedAddress: Check = (ctx) => {
  const left = ctx.state.feedback.blockedFor(`address:${ctx.address}`)
  if (left === 0) return undefined
  return deny(GATEWAY_REASONS.blockedAddress, blockedProblem(GatewayProblems.ClientBlocked, left))
}
