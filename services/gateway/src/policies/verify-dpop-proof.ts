import { OAuthKitError } from '@mythical/oauth'
import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'
import { dpopChallenge } from './authenticate-problem.ts'

/** `DPoP <token68>` (RFC 9449 §7.1, RFC 9110 §11.2); the scheme is case-insensitive. */
const DPOP_AUTHORIZATION = /^DPoP +([A-Za-z0-9\-._~+/]+=*)$/i
const BEARER_AUTHORIZATION = /^Bearer(?: |$)/i

/**
 * The first half of the phantom-token step: the access token only from `Authorization: DPoP`
 * (never the query string, never `Bearer`), and a DPoP proof that verifies for this request —
 * its method, the public URL the client addressed, and the token's hash (`ath`). The proof key's
 * thumbprint is kept for the binding check after introspection and for the feedback loop.
 */
export const verifyDpopProof: Check = async (ctx) => {
  const { request, state } = ctx
  const [path = '', query = ''] = request.url.split('?', 2)
  if (new URLSearchParams(query).has('access_token')) {
    return deny(GATEWAY_REASONS.tokenInQuery, new GatewayProblems.TokenInQuery())
  }
  const authorization = request.headers.authorization
  if (authorization === undefined) {
    return deny(GATEWAY_REASONS.tokenMissing, dpopChallenge(GatewayProblems.TokenMissing))
  }
  if (BEARER_AUTHORIZATION.test(authorization)) {
    return deny(
      GATEWAY_REASONS.bearerNotDpop,
      dpopChallenge(GatewayProblems.DpopRequired, 'invalid_token'),
    )
  }
  const token = DPOP_AUTHORIZATION.exec(authorization)?.[1]
  if (token === undefined) {
    return deny(
      GATEWAY_REASONS.authorizationMalformed,
      dpopChallenge(GatewayProblems.DpopRequired, 'invalid_token'),
    )
  }
  const proof = request.headers.dpop
  if (typeof proof !== 'string' || proof === '') {
    return deny(
      GATEWAY_REASONS.proofMissing,
      dpopChallenge(GatewayProblems.DpopProofInvalid, 'invalid_dpop_proof'),
    )
  }
  try {
    const verified = await state.tokens.verifyProof({
      proof,
      method: request.method,
      // The URL the client addressed, from configuration: a Host header proves nothing.
      url: `${state.publicOrigin}${path}`,
      accessToken: token,
    })
    ctx.proofKey = verified.jkt
  } catch (err) {
    if (!(err instanceof OAuthKitError)) throw err
    return deny(err.code, dpopChallenge(GatewayProblems.DpopProofInvalid, 'invalid_dpop_proof'))
  }
  ctx.presentedToken = token
  return undefined
}
