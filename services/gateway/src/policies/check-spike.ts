import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'
import { blockedProblem } from './blocked-problem.ts'

/**
 * Spike control: all callers of one API together may send at most `spike.requests` per
 * `spike.perSeconds`; the excess is refused at once (no queueing), protecting the upstream.
 */
export const checkSpike: Check = (ctx) => {
  const counter = ctx.api && ctx.state.spikeCounters.get(ctx.api.name)
  if (!ctx.api || !counter) return undefined
  const window = counter.hit(ctx.api.name)
  if (window.count <= ctx.api.spike.requests) return undefined
  return deny(
    GATEWAY_REASONS.spikeArrested,
    blockedProblem(GatewayProblems.SpikeArrested, window.resetInMs),
  )
}
