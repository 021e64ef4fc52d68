import { TRUST_ATTRIBUTES } from '@mythical/audit'
import { OAuthKitError } from '@mythical/oauth'
import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check, type GatewayContext } from '../gateway-context.ts'
import { dpopChallenge } from './authenticate-problem.ts'

/**
 * OAuth errors with which the IdP refuses to introspect this particular token (e.g. a JWT it
 * never issued: `unsupported_token_type`). Any other refusal (`invalid_client`…) is the gateway's
 * own problem and is answered 503 like an outage: fail closed, but do not blame the caller.
 */
const TOKEN_REFUSALS = new Set(['unsupported_token_type', 'invalid_request', 'invalid_token'])

const refusesTheToken = (err: OAuthKitError) =>
  err.code === 'authorization_server.refused' && TOKEN_REFUSALS.has(err.oauthError ?? '')

/** Whether this request is on a route of its API open to `clientId`'s user-less token. */
function anonymousRouteFor(ctx: GatewayContext, clientId: string): boolean {
  const anonymous = ctx.api?.anonymous
  if (anonymous === undefined || !anonymous.clients.includes(clientId)) return false
  const path = ctx.request.url.split('?', 1)[0]
  return anonymous.routes.some((r) => r.method === ctx.request.method && r.path === path)
}

const invalidToken = () => dpopChallenge(GatewayProblems.TokenInvalid, 'invalid_token')

/**
 * The second half of the phantom-token step: introspection at the IdP (cached, bounded by the
 * revocation TTL cap) must say the token is active, meant for the gateway, DPoP-bound to the very
 * key that signed the proof, and issued for a user — or, on a route the API's `anonymous` policy
 * opens to the client, the client's own token (anonymous browsing). An IdP that cannot be asked means refusal
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
    if (err.code === 'introspection.inactive' || refusesTheToken(err)) {
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
  if (typeof token.client_id !== 'string') {
    return deny(GATEWAY_REASONS.tokenWithoutUser, invalidToken())
  }
  // A client's own token (client credentials: no `sub`, or `sub` = the client) is no user.
  const subject =
    typeof token.sub === 'string' && token.sub !== token.client_id ? token.sub : undefined
  if (subject === undefined && !anonymousRouteFor(ctx, token.client_id)) {
    return deny(GATEWAY_REASONS.tokenWithoutUser, invalidToken())
  }
  ctx.access = {
    clientId: token.client_id,
    subject,
    scopes: (token.scope ?? '').split(' ').filter(Boolean),
    token: presentedToken,
  }
  // The hop acts for her from here on: the trust trace files its CLIENT spans (the token exchange
  // next) under her too, not only once the closing audit record names her.
  if (subject !== undefined) ctx.request.hopSpan?.setAttribute(TRUST_ATTRIBUTES.enduser, subject)
  return undefined
}
