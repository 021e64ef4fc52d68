import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'
import { blockedProblem } from './blocked-problem.ts'

/**
 * Rate limit by SLA tier: the client's tier (policy file `clientTiers`, else `defaultTier`) sets
 * the quota per window; each user of a client has their own window, so one shopper's burst does
 * not starve the others. Every answer tells the caller where it stands with the IETF
 * `RateLimit-Policy` / `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers); a refusal adds
 * `Retry-After`.
 */
export const checkRateLimit: Check = (ctx) => {
  const { state, access } = ctx
  if (!access) throw new TypeError('checkRateLimit runs after introspectToken')
  const tierName = state.policies.clientTiers[access.clientId] ?? state.policies.defaultTier
  const tier = state.policies.slaTiers[tierName]
  const counter = state.rateCounters.get(tierName)
  if (!tier || !counter) throw new TypeError(`SLA tier "${tierName}" has no counter`)
  const window = counter.hit(JSON.stringify([access.clientId, access.subject]))
  const remaining = Math.max(0, tier.requests - window.count)
  const reset = Math.max(1, Math.ceil(window.resetInMs / 1000))
  ctx.responseHeaders['ratelimit-policy'] =
    `"${tierName}";q=${tier.requests};w=${tier.windowSeconds}`
  ctx.responseHeaders.ratelimit = `"${tierName}";r=${remaining};t=${reset}`
  if (window.count <= tier.requests) return undefined
  return deny(
    GATEWAY_REASONS.rateLimited,
    blockedProblem(GatewayProblems.RateLimited, window.resetInMs),
  )
}
