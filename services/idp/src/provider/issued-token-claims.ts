/**
 * The decoded claims of the access token a request issued, for the IdP's hop of the trust trace:
 * the user, the audience, the scope, the client and, for an exchange, the `act` chain it computed.
 * Read from oidc-provider's entities, never from the token value (which is never traced).
 */
import type { TokenClaims } from '@mythical/telemetry'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { exchangeClaimsOf } from './extra-token-claims.ts'

/** Claims of the access token issued by this request (any grant), or `undefined`. */
export function issuedTokenClaims(ctx: KoaContextWithOIDC): TokenClaims | undefined {
  const entities = ctx.oidc?.entities
  const token = entities?.AccessToken ?? entities?.ClientCredentials
  if (!token) return undefined
  const exchanged = exchangeClaimsOf(token)
  return {
    sub: 'accountId' in token ? token.accountId : undefined,
    aud: token.resourceServer?.audience,
    scope: token.scope,
    client_id: token.clientId,
    act: exchanged?.act,
    acr: exchanged?.acr,
  }
}
