/**
 * A workload's client role at an authorization server, built on openid-client: discovery (lazy,
 * retried after a failure, never cached while failing), client authentication with
 * `tls_client_auth` over the mTLS endpoint aliases (RFC 8705 §5) or `private_key_jwt` (RFC 7523,
 * assertion `aud` = the issuer only, FAPI 2.0 §5.3.2.1), and every request through one undici
 * dispatcher with a size-capped response body. Failures become {@link OAuthKitError}s with
 * `authorization_server.*` reasons.
 *
 * @module
 */
import * as oidc from 'openid-client'
import type { Dispatcher } from 'undici'
import type { CryptoKey } from 'jose'
import { OAuthKitError } from '../errors.ts'
import { DEFAULT_MAX_RESPONSE_BYTES, boundedFetch } from '../http/bounded-fetch.ts'
import type { BoundedFetch } from '../http/bounded-fetch.ts'
import type { SigningAlgorithm } from '../constants.ts'

/** RFC 9701 §4: media type of a JWT introspection answer. */
const INTROSPECTION_JWT_MEDIA_TYPE = 'application/token-introspection+jwt'

/** Default seconds one request to the authorization server may take. */
export const DEFAULT_AS_TIMEOUT_SECONDS = 5

/** How the client authenticates at the token and introspection endpoints. */
export type ClientAuthentication =
  /** RFC 8705 §2: the mTLS client certificate of `dispatcher` is the credential. */
  | { readonly method: 'tls_client_auth' }
  /** RFC 7523: an assertion signed with the client's private key. */
  | { readonly method: 'private_key_jwt'; readonly privateKey: CryptoKey; readonly kid?: string }

/** Options of {@link createAuthorizationServerClient}. */
export interface AuthorizationServerClientOptions {
  /** The issuer identifier: the exact `iss` expected of discovery and every signed answer. */
  readonly issuer: string
  /**
   * Where this workload reaches the issuer (ADR 0003: `IDP_URL`, e.g. `https://idp:4000` in
   * compose), when it differs from the public issuer identifier. Every request addressed to the
   * issuer's origin — discovery, JWKS, token, introspection — is sent to this origin instead, with
   * the same path; `iss` is still validated against `issuer`. Default: the issuer itself.
   */
  readonly url?: string
  readonly clientId: string
  readonly authentication: ClientAuthentication
  /**
   * Every request goes through it: the workload's mTLS agent (`createMtlsAgent`) for
   * `tls_client_auth`, or an agent trusting the issuer's CA only.
   */
  readonly dispatcher: Dispatcher
  /**
   * Use the `mtls_endpoint_aliases` of the server metadata; default `true` with
   * `tls_client_auth` (the aliases demand the client certificate), `false` otherwise.
   */
  readonly useMtlsAliases?: boolean
  /** `alg` the server signs JWT introspection responses with (RFC 9701); default `ES256`. */
  readonly introspectionSigningAlg?: SigningAlgorithm
  /** Default {@link DEFAULT_AS_TIMEOUT_SECONDS}. */
  readonly timeoutSeconds?: number
  /** Default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  readonly maxResponseBytes?: number
}

/** A discovered authorization server and this client's registration at it. */
export interface AuthorizationServerClient {
  readonly issuer: string
  readonly clientId: string
  /** The openid-client configuration (discovered on first use). */
  configuration(): Promise<oidc.Configuration>
}

/**
 * Translates an openid-client failure into a kit error: an OAuth error answer is `refused` (with
 * its `error`), a transport failure or a 5xx is `unavailable`, anything else — a bad signature,
 * a wrong `iss`/`aud`/`typ`, an oversized body — is `invalid_response`.
 */
export function authorizationServerFailure(cause: unknown, action: string): OAuthKitError {
  if (cause instanceof OAuthKitError) return cause
  // openid-client wraps what our fetch threw ("something went wrong"): keep our own reason.
  if (cause instanceof oidc.ClientError && cause.cause instanceof OAuthKitError) return cause.cause
  if (cause instanceof oidc.ResponseBodyError) {
    if (cause.status >= 500) {
      return new OAuthKitError('authorization_server.unavailable', `${action}: server error`, {
        cause,
      })
    }
    return new OAuthKitError('authorization_server.refused', `${action} refused: ${cause.error}`, {
      cause,
      oauthError: cause.error,
    })
  }
  const code = (cause as { code?: unknown } | null)?.code
  if (
    (cause instanceof TypeError && code === undefined) ||
    code === 'OAUTH_TIMEOUT' ||
    code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' ||
    code === 'OAUTH_ABORT'
  ) {
    return new OAuthKitError('authorization_server.unavailable', `${action}: server unreachable`, {
      cause,
    })
  }
  return new OAuthKitError('authorization_server.invalid_response', `${action}: invalid response`, {
    cause,
  })
}

/**
 * openid-client asks for a JWT introspection answer but would also take plain JSON; an unsigned
 * answer must not pass where a signed one was asked for (RFC 9701 §5: no downgrade).
 */
function jwtIntrospectionOnly(inner: BoundedFetch): BoundedFetch {
  return async (url, init) => {
    const response = await inner(url, init)
    const accept = new Headers(init.headers).get('accept')
    const type = response.headers.get('content-type')?.split(';')[0]?.trim()
    if (
      accept === INTROSPECTION_JWT_MEDIA_TYPE &&
      response.ok &&
      type !== INTROSPECTION_JWT_MEDIA_TYPE
    ) {
      throw new OAuthKitError(
        'authorization_server.invalid_response',
        'introspection answered without a signed JWT',
      )
    }
    return response
  }
}

/**
 * Sends requests addressed to the public issuer's origin to the workload's network location
 * instead (ADR 0003). Only the origin changes; any other URL (an mTLS alias already announced at
 * an internal address) is left alone.
 */
function atLocation(inner: BoundedFetch, issuer: URL, location: URL): BoundedFetch {
  return (url, init) => {
    const target = new URL(url)
    if (target.origin !== issuer.origin) return inner(url, init)
    return inner(new URL(`${target.pathname}${target.search}`, location.origin).href, init)
  }
}

/**
 * @example
 *   const idp = createAuthorizationServerClient({
 *     issuer: 'https://localhost:4000',
 *     url: 'https://idp:4000', // where the workload reaches it (compose)
 *     clientId: 'gateway',
 *     authentication: { method: 'tls_client_auth' },
 *     dispatcher: createMtlsAgent(identity),
 *   })
 */
export function createAuthorizationServerClient(
  options: AuthorizationServerClientOptions,
): AuthorizationServerClient {
  const issuer = new URL(options.issuer)
  if (issuer.protocol !== 'https:') throw new TypeError('"issuer" must be an https URL')
  const timeout = options.timeoutSeconds ?? DEFAULT_AS_TIMEOUT_SECONDS
  if (!Number.isInteger(timeout) || timeout < 1) {
    throw new TypeError('"timeoutSeconds" option must be a positive integer')
  }
  const { authentication } = options
  const mtls = authentication.method === 'tls_client_auth'
  const clientAuth = mtls
    ? oidc.TlsClientAuth()
    : oidc.PrivateKeyJwt(
        authentication.kid === undefined
          ? authentication.privateKey
          : { key: authentication.privateKey, kid: authentication.kid },
      )
  const metadata: oidc.ClientMetadata = {
    client_id: options.clientId,
    token_endpoint_auth_method: authentication.method,
    use_mtls_endpoint_aliases: options.useMtlsAliases ?? mtls,
    introspection_signed_response_alg: options.introspectionSigningAlg ?? 'ES256',
  }
  const location = new URL(options.url ?? options.issuer)
  if (location.protocol !== 'https:' || location.pathname !== issuer.pathname) {
    throw new TypeError('"url" must be an https URL with the issuer\'s path')
  }
  const fetch = jwtIntrospectionOnly(
    atLocation(
      boundedFetch(options.dispatcher, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES),
      issuer,
      location,
    ),
  ) as oidc.CustomFetch
  let discovered: Promise<oidc.Configuration> | undefined

  const discover = async () => {
    const configuration = await oidc.discovery(issuer, options.clientId, metadata, clientAuth, {
      [oidc.customFetch]: fetch,
      timeout,
    })
    // RFC 9701 responses are signed: verify the signature against the server's JWKS, not only
    // the claims (openid-client checks iss, aud = client_id and typ; this adds the signature).
    oidc.enableNonRepudiationChecks(configuration)
    return configuration
  }

  return {
    issuer: options.issuer,
    clientId: options.clientId,
    configuration() {
      discovered ??= discover().catch((cause: unknown) => {
        // Not cached while failing: the next call tries again (fail closed meanwhile).
        discovered = undefined
        throw authorizationServerFailure(cause, 'discovery')
      })
      return discovered
    },
  }
}
