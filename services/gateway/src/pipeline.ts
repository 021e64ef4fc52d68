/**
 * The gateway's request pipeline: one ordered table of small checks, read top to bottom, like
 * oidc-provider's `lib/actions/authorization/index.js`. Each check is one file under
 * `policies/` and returns nothing (go on), a denial or an answer. The first check that stops the
 * request decides; then `writeAudit` records the decision — every allow and every deny, once —
 * and `recordFailure` feeds authentication failures to the feedback loop.
 *
 * Cheap checks that need no credential run first (address, path, CORS, spike), so a flood or a
 * blocked client costs no cryptography and no IdP call; the body is read only once the caller is
 * authenticated and within its rate.
 *
 * @module
 */
import type { Answer, Check, Denial, GatewayContext, Outcome } from './gateway-context.ts'
import { GATEWAY_REASONS } from './reasons.ts'
import { checkAddressLists } from './policies/check-address-lists.ts'
import { checkBlockedAddress } from './policies/check-blocked-address.ts'
import { checkBlockedKey } from './policies/check-blocked-key.ts'
import { checkClientId } from './policies/check-client-id.ts'
import { checkCors } from './policies/check-cors.ts'
import { checkRateLimit } from './policies/check-rate-limit.ts'
import { checkSpike } from './policies/check-spike.ts'
import { exchangeToken } from './policies/exchange-token.ts'
import { introspectToken } from './policies/introspect-token.ts'
import { readJsonBody } from './policies/read-json-body.ts'
import { recordFailure } from './policies/record-failure.ts'
import { resolveApi } from './policies/resolve-api.ts'
import { resolveClientAddress } from './policies/resolve-client-address.ts'
import { stripSpoofableHeaders } from './policies/strip-spoofable-headers.ts'
import { verifyDpopProof } from './policies/verify-dpop-proof.ts'
import { writeAudit, type PipelineDecision } from './policies/write-audit.ts'

/** The checks, in the order every request meets them. */
export const PIPELINE: readonly (readonly [name: string, check: Check])[] = [
  ['client address (trusted proxies only)', resolveClientAddress],
  ['published API', resolveApi],
  ['IP allow/deny lists', checkAddressLists],
  ['feedback loop: blocked address', checkBlockedAddress],
  ['CORS exact origins', checkCors],
  ['spike control', checkSpike],
  ['strip spoofable headers', stripSpoofableHeaders],
  ['phantom token: DPoP proof', verifyDpopProof],
  ['feedback loop: blocked key', checkBlockedKey],
  ['phantom token: introspection', introspectToken],
  ['client-id enforcement', checkClientId],
  ['rate limit by SLA tier', checkRateLimit],
  ['JSON threat protection', readJsonBody],
  ['phantom token: token exchange', exchangeToken],
]

/** Result of {@link runPipeline}: forward the request, or the answer already decided. */
export type PipelineResult =
  { readonly forward: true } | { readonly forward: false; readonly outcome: Denial | Answer }

/**
 * Runs every check in order until one stops the request, then audits the decision. A check that
 * throws (a bug, never a refusal) is audited as a denial too, and the error goes on to the
 * problem handler as a 500.
 *
 * @example
 * ```ts
 * const result = await runPipeline(ctx)
 * if (result.forward) await forward(ctx)
 * ```
 */
export async function runPipeline(ctx: GatewayContext): Promise<PipelineResult> {
  for (const [policy, check] of PIPELINE) {
    let outcome: Outcome
    try {
      outcome = await check(ctx)
    } catch (err) {
      finish(ctx, { decision: 'deny', reason: GATEWAY_REASONS.checkFailed, policy, status: 500 })
      throw err
    }
    if (outcome === undefined) continue
    const status = outcome.decision === 'deny' ? outcome.problem.status : outcome.status
    finish(ctx, {
      decision: outcome.decision === 'deny' ? 'deny' : 'allow',
      reason: outcome.reason,
      policy,
      status,
    })
    return { forward: false, outcome }
  }
  finish(ctx, { decision: 'allow', reason: GATEWAY_REASONS.allowed, policy: 'forward' })
  return { forward: true }
}

function finish(ctx: GatewayContext, decision: PipelineDecision): void {
  writeAudit(ctx, decision)
  recordFailure(ctx, decision)
}
