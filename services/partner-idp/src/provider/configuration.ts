/**
 * oidc-provider configuration of the partner IdP: a small, closed authorization server that
 * issues exactly one kind of token — short-lived JWT access tokens for order-tracking-api — and
 * only through the federation grant.
 */
import { errors } from 'oidc-provider'
import type { Adapter, ClientMetadata, Configuration, JWK } from 'oidc-provider'
import { SIGNING_ALGORITHMS } from '@mythical/oauth'
import { findAccount } from '../accounts/user-store.ts'
import { getCertificate, renderProviderError, withReason } from '@mythical/service-kit'
import { ORDER_TRACKING_RESOURCE, RESOURCE_SERVERS, TRACKING_READ } from './resources.ts'

export interface ProviderConfigurationInput {
  /** Persistent storage (`@mythical/oidc-store`): never oidc-provider's development memory one. */
  readonly adapter: new (model: string) => Adapter
  readonly signingKey: JWK
  readonly clients: readonly ClientMetadata[]
  /** Public origin of the mTLS alias listener. */
  readonly mtlsBaseUrl: string
  /** Keys signing the provider's cookies (derived from the data key), newest first. */
  readonly cookieKeys: readonly string[]
}

/**
 * @example
 *   new Provider(config.issuer, providerConfiguration({ signingKey, clients: [web] }))
 */
export function providerConfiguration(input: ProviderConfigurationInput): Configuration {
  return {
    adapter: input.adapter,
    clients: input.clients,
    // Private key in, public JWKS out: oidc-provider publishes only the public parts at /jwks.
    jwks: { keys: [input.signingKey] },
    findAccount,
    // No page of ours should ever render, but if one does it loads nothing from outside.
    renderError: renderProviderError,
    // No browser endpoint is served (served-endpoints.ts); any cookie that remains is signed.
    cookies: {
      keys: [...input.cookieKeys],
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    scopes: ['openid', TRACKING_READ],
    // No client secrets anywhere in the federation: clients prove possession of a private key.
    clientAuthMethods: ['private_key_jwt'],
    // FAPI 2.0 §5.3.2.1: a client assertion is for the issuer identifier only, as one string —
    // never the token endpoint URL, never a list that also names another server (the retail IdP
    // gets the same rule from oidc-provider's FAPI 2.0 profile).
    assertJwtClientAuthClaimsAndHeader: async (ctx, claims) => {
      if (claims.aud !== ctx.oidc.issuer) {
        throw withReason(
          new errors.InvalidClientAuth('audience (aud) must equal the issuer identifier'),
          'client_auth.assertion_wrong_audience',
        )
      }
    },
    clientDefaults: {
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: [],
      response_types: [],
    },
    enabledJWA: {
      clientAuthSigningAlgValues: [...SIGNING_ALGORITHMS],
      idTokenSigningAlgValues: ['ES256'],
      requestObjectSigningAlgValues: [...SIGNING_ALGORITHMS],
    },
    // No browser flow: tokens come only from the federation grant (the staff login is out of scope).
    responseTypes: [],
    // RFC 8705: the same token endpoint behind a listener that demands a client certificate.
    discovery: { mtls_endpoint_aliases: { token_endpoint: `${input.mtlsBaseUrl}/token` } },
    features: {
      // The partner's own staff login UI is out of scope; the dev UI must never be on.
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      // No browser session to end: the partner has no sign-in of its own.
      rpInitiatedLogout: { enabled: false },
      // Tokens requested over the mTLS alias are bound to the caller's certificate (cnf.x5t#S256).
      mTLS: { enabled: true, certificateBoundAccessTokens: true, getCertificate },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => ORDER_TRACKING_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          const definition = RESOURCE_SERVERS[resource]
          if (!definition) throw new errors.InvalidTarget()
          return definition
        },
      },
    },
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300,
    },
  }
}
