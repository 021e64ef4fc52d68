/**
 * The token requests a workload makes as a client: token exchange on behalf of a user (RFC 8693)
 * and `client_credentials` for machine-only calls. Issued tokens are cached until shortly before
 * they expire — exchanged ones per subject token and audience — so a hop does not ask the
 * authorization server on every request.
 *
 * @module
 */
import * as oidc from 'openid-client'
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPE } from '../constants.ts'
import { OAuthKitError } from '../errors.ts'
import { authorizationServerFailure } from './authorization-server.ts'
import type { AuthorizationServerClient } from './authorization-server.ts'
import { ExpiringCache, LoadingCache } from './expiring-cache.ts'

/** A cached token is renewed this many seconds before it expires (default). */
export const DEFAULT_EXPIRY_MARGIN_SECONDS = 10

/** An issued access token. */
export interface IssuedToken {
  readonly accessToken: string
  /** `Bearer` or `DPoP` (RFC 6749 §7.1, RFC 9449). */
  readonly tokenType: string
  /** Milliseconds since the epoch. */
  readonly expiresAt: number
  readonly scope: string | undefined
  /** RFC 8693 §2.2.1, for exchanged tokens. */
  readonly issuedTokenType: string | undefined
}

/** Options of {@link createTokenClient}. */
export interface TokenClientOptions {
  readonly server: AuthorizationServerClient
  /** Default {@link DEFAULT_EXPIRY_MARGIN_SECONDS}. */
  readonly expiryMarginSeconds?: number
  /** Default 10 000 entries. */
  readonly maxCacheEntries?: number
  /** Clock in milliseconds (tests move it). */
  readonly now?: () => number
}

/** What the audience needs, beyond the audience itself. */
export interface TokenRequestOptions {
  /** Space-separated scopes to narrow to. */
  readonly scope?: string
}

/** Token requests of one client, cached. */
export interface TokenClient {
  /**
   * RFC 8693 on-behalf-of: exchanges `subjectToken` (an access token) for one whose audience is
   * `audience` (a resource indicator, RFC 8707). Cached per subject token, audience and scope.
   */
  exchangeTokenFor(
    subjectToken: string,
    audience: string,
    options?: TokenRequestOptions,
  ): Promise<IssuedToken>
  /** A machine token for `audience` (RFC 6749 §4.4 with a resource indicator). Cached. */
  clientCredentialsFor(audience: string, options?: TokenRequestOptions): Promise<IssuedToken>
}

function issued(response: oidc.TokenEndpointResponse, now: number): IssuedToken {
  if (typeof response.expires_in !== 'number' || response.expires_in <= 0) {
    throw new OAuthKitError('authorization_server.invalid_response', 'token without expires_in')
  }
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresAt: now + response.expires_in * 1000,
    scope: response.scope,
    issuedTokenType:
      typeof response.issued_token_type === 'string' ? response.issued_token_type : undefined,
  }
}

/**
 * @example
 *   const tokens = createTokenClient({ server: idp })
 *   const { accessToken } = await tokens.exchangeTokenFor(userToken, resourceUri('orders-api'))
 */
export function createTokenClient(options: TokenClientOptions): TokenClient {
  const margin = (options.expiryMarginSeconds ?? DEFAULT_EXPIRY_MARGIN_SECONDS) * 1000
  if (!Number.isInteger(margin) || margin < 0) {
    throw new TypeError('"expiryMarginSeconds" option must be a non-negative integer')
  }
  const now = options.now ?? Date.now
  const cache = new LoadingCache<IssuedToken>({ now, maxEntries: options.maxCacheEntries })

  async function cached(
    key: string,
    request: () => Promise<oidc.TokenEndpointResponse>,
    action: string,
  ) {
    const requestToken = async () => {
      try {
        return issued(await request(), now())
      } catch (cause) {
        throw authorizationServerFailure(cause, action)
      }
    }
    // Renewed `margin` before expiry, so a hop never forwards a token about to die.
    return cache.load(key, requestToken, (token) => token.expiresAt - margin)
  }

  const resourceParams = (audience: string, request?: TokenRequestOptions) => ({
    resource: audience,
    ...(request?.scope ? { scope: request.scope } : {}),
  })

  return {
    exchangeTokenFor(subjectToken, audience, request) {
      if (typeof subjectToken !== 'string' || subjectToken === '') {
        throw new TypeError('"subjectToken" must be a non-empty string')
      }
      const key = ExpiringCache.keyOf('exchange', subjectToken, audience, request?.scope ?? '')
      return cached(
        key,
        async () =>
          oidc.genericGrantRequest(await options.server.configuration(), TOKEN_EXCHANGE_GRANT, {
            subject_token: subjectToken,
            subject_token_type: TOKEN_TYPE.accessToken,
            requested_token_type: TOKEN_TYPE.accessToken,
            ...resourceParams(audience, request),
          }),
        'token exchange',
      )
    },
    clientCredentialsFor(audience, request) {
      const key = ExpiringCache.keyOf('client_credentials', audience, request?.scope ?? '')
      return cached(
        key,
        async () =>
          oidc.clientCredentialsGrant(
            await options.server.configuration(),
            resourceParams(audience, request),
          ),
        'client credentials',
      )
    },
  }
}
