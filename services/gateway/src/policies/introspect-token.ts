import { OAuthKitError } from '@mythical/oauth'
import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'
import { dpopChallenge } from './authenticate-problem.ts'

const invalidToken = () => dpopChallenge(GatewayProblems.TokenInvalid, 'invalid_token')

/**
 * The second half of the phantom-token step: introspection at the IdP (cached, bounded by the
 * revocation TTL cap) must say the token is active, meant for the gateway, DPoP-bound to the very
 * key that signed the proof, and issued for a user. An IdP that cannot be asked means refusal
 * (503), never a pass.
 */
export const introspectToken: Check = async (ctx) => {
  const { state, presentedToken, proofKey } = ctx
  if (presentedToken === undefined || proofKey === undefined) {
    throw new TypeError('introspectToken runs after verifyDpopProof')
  }
  let token
  try {
    token = await state.tokens.introspect(presentedToken)
  } catch (err) {
    if (!(err instanceof OAuthKitError)) throw err
    if (err.code === 'introspection.inactive') {
      return deny(GATEWAY_REASONS.tokenInactive, invalidToken())
    }
    return deny(GATEWAY_REASONS.introspectionUnavailable, new GatewayProblems.IdpUnavailable())
  }
  if (!token.active) return deny(GATEWAY_REASONS.tokenInactive, invalidToken())
  if (![token.aud ?? []].flat().includes(state.resource)) {
    return deny(GATEWAY_REASONS.tokenWrongAudience, invalidToken())
  }
  const boundKey = token.cnf?.jkt
  if (boundKey === undefined || token.token_type?.toLowerCase() !== 'dpop') {
    return deny(GATEWAY_REASONS.tokenNotDpopBound, invalidToken())
  }
  // Thumbprints are public values: a plain comparison leaks nothing worth timing.
  if (boundKey !== proofKey) {
    return deny(
      GATEWAY_REASONS.proofKeyMismatch,
      dpopChallenge(GatewayProblems.DpopProofInvalid, 'invalid_dpop_proof'),
    )
  }
  if (typeof token.sub !== 'string' || typeof token.client_id !== 'string') {
    return deny(GATEWAY_REASONS.tokenWithoutUser, invalidToken())
  }
  if (token.sub === token.client_id) {
    return deny(GATEWAY_REASONS.tokenWithoutUser, invalidToken())
  }
  ctx.access = {
    clientId: token.client_id,
    subject: token.sub,
    scopes: (token.scope ?? '').split(' ').filter(Boolean),
    token: presentedToken,
  }
  return undefined
}
