/**
 * Claims added to access tokens (JWT payload, or the introspection response of opaque ones):
 *
 * - `acr` / `amr` of the authentication behind the token (from the authorization code or the
 *   refresh token), so resource servers can demand MFA (TB11);
 * - `groups` of the account (e.g. `sales-associate`);
 * - for tokens minted by token exchange: the claims computed by the exchange (`act` chain and
 *   the subject token's `acr`/`amr`/`groups`), attached with {@link attachExchangeClaims}.
 */
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { AccountStore } from '../accounts/account-store.ts'

type Claims = Record<string, unknown>
type Token = { kind?: string; accountId?: string }

const exchangeClaims = new WeakMap<object, Claims>()

/** Attach the claims a token exchange computed to the token about to be saved. */
export function attachExchangeClaims(token: object, claims: Claims): void {
  exchangeClaims.set(token, claims)
}

/** The claims an exchange attached to `token` (`act`, `acr`…), read by the trust trace. */
export function exchangeClaimsOf(token: object): Claims | undefined {
  return exchangeClaims.get(token)
}

/** `extraTokenClaims` for oidc-provider. */
export function extraTokenClaims(store: AccountStore) {
  return async (ctx: KoaContextWithOIDC, token: Token): Promise<Claims | undefined> => {
    const exchanged = exchangeClaims.get(token)
    if (exchanged) return exchanged
    if (token.kind !== 'AccessToken' || !token.accountId) return undefined
    const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken
    const account = await store.findById(token.accountId)
    return {
      ...(source?.acr ? { acr: source.acr } : {}),
      ...(source?.amr ? { amr: source.amr } : {}),
      ...(account && account.groups.length > 0 ? { groups: [...account.groups] } : {}),
    }
  }
}
