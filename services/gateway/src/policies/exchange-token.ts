import { OAuthKitError } from '@mythical/oauth'
import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'
import type { ApiPolicy } from '../policy-file.ts'

const anonymousScope = (api: ApiPolicy): string => {
  if (api.anonymous === undefined) throw new TypeError(`API "${api.name}" has no anonymous routes`)
  return api.anonymous.scope
}

/**
 * The phantom token's inward half: exchange the opaque token (RFC 8693, client `gateway` over
 * mTLS, cached) for a JWT whose audience is the API's upstream only. A client's own token admitted
 * on an anonymous route has no user to act for: the gateway sends its own `client_credentials`
 * token with the route's one scope instead (never a `sub` of anyone). The opaque token never
 * travels inward; the JWT is certificate-bound to the gateway, so it is useless to anyone else.
 */
export const exchangeToken: Check = async (ctx) => {
  const { state, api, access } = ctx
  if (!api || !access) throw new TypeError('exchangeToken runs after introspectToken')
  const resource = state.upstreamResources.get(api.upstream)
  if (resource === undefined) throw new TypeError(`no resource for upstream "${api.upstream}"`)
  try {
    ctx.internalToken =
      access.subject === undefined
        ? await state.tokens.machineToken(resource, anonymousScope(api))
        : await state.tokens.exchange(access.token, resource)
  } catch (err) {
    if (!(err instanceof OAuthKitError)) throw err
    if (err.code === 'authorization_server.refused') {
      return deny(GATEWAY_REASONS.exchangeFailed, new GatewayProblems.TokenInvalid())
    }
    return deny(GATEWAY_REASONS.exchangeUnavailable, new GatewayProblems.IdpUnavailable())
  }
  return undefined
}
