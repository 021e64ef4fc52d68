/**
 * Token introspection (RFC 7662) with JWT responses (RFC 9701): the answer is a JWT signed by the
 * authorization server, verified against its JWKS (`typ` `token-introspection+jwt`, `iss` = the
 * issuer, `aud` = this client). Active results are cached until the token's `exp`, capped at
 * `maxCacheSeconds` — the cap is the revocation bound: a token revoked at the server is refused
 * here at most that long afterwards.
 *
 * @module
 */
import * as oidc from 'openid-client'
import { OAuthKitError } from '../errors.ts'
import { authorizationServerFailure } from './authorization-server.ts'
import type { AuthorizationServerClient } from './authorization-server.ts'
import { ExpiringCache, LoadingCache } from './expiring-cache.ts'

/** Default upper bound on how long an introspection result is reused (the revocation bound). */
export const DEFAULT_INTROSPECTION_CACHE_SECONDS = 30

/** An active token as the authorization server describes it. */
export interface ActiveToken extends oidc.IntrospectionResponse {
  readonly active: true
  readonly exp: number
}

/** Options of {@link createIntrospectionClient}. */
export interface IntrospectionClientOptions {
  readonly server: AuthorizationServerClient
  /** Default {@link DEFAULT_INTROSPECTION_CACHE_SECONDS}; 0 turns caching off. */
  readonly maxCacheSeconds?: number
  /** Default 10 000 entries. */
  readonly maxCacheEntries?: number
  /** Clock in milliseconds (tests move it). */
  readonly now?: () => number
}

/** Introspects tokens, with a cache. */
export interface IntrospectionClient {
  /** Resolves with the active token's claims; refuses an inactive token (`introspection.inactive`). */
  introspect(token: string): Promise<ActiveToken>
}

/**
 * @example
 *   const introspection = createIntrospectionClient({ server: idp, maxCacheSeconds: 30 })
 *   const { sub, scope, cnf } = await introspection.introspect(opaqueToken)
 */
export function createIntrospectionClient(
  options: IntrospectionClientOptions,
): IntrospectionClient {
  const cap = options.maxCacheSeconds ?? DEFAULT_INTROSPECTION_CACHE_SECONDS
  if (!Number.isInteger(cap) || cap < 0) {
    throw new TypeError('"maxCacheSeconds" option must be a non-negative integer')
  }
  const now = options.now ?? Date.now
  const cache = new LoadingCache<ActiveToken>({ now, maxEntries: options.maxCacheEntries })

  async function introspectAtServer(token: string): Promise<ActiveToken> {
    let result: oidc.IntrospectionResponse
    try {
      result = await oidc.tokenIntrospection(await options.server.configuration(), token)
    } catch (cause) {
      throw authorizationServerFailure(cause, 'introspection')
    }
    if (result.active !== true) {
      throw new OAuthKitError('introspection.inactive', 'token is not active')
    }
    if (typeof result.exp !== 'number' || result.exp * 1000 <= now()) {
      throw new OAuthKitError('introspection.inactive', 'token is expired')
    }
    return result as ActiveToken
  }

  return {
    async introspect(token) {
      if (typeof token !== 'string' || token === '') {
        throw new OAuthKitError('introspection.inactive', 'no token')
      }
      // Only active answers are kept, until the token's exp but never beyond the cap.
      return cache.load(
        ExpiringCache.keyOf(token),
        () => introspectAtServer(token),
        (active) => Math.min(active.exp * 1000, now() + cap * 1000),
      )
    },
  }
}
