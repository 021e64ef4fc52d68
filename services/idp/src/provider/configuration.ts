/**
 * The oidc-provider configuration of the retail IdP, FAPI 2.0 Security Profile as the target:
 *
 * - authorization code only, PKCE S256 required for every client, PAR required for the web
 *   clients, `iss` in authorization responses (RFC 9207), codes live 60 s, `request_uri` 60 s;
 * - client authentication: `private_key_jwt` (web) and `tls_client_auth` (workloads) — no
 *   client secrets; certificate-bound (RFC 8705) and DPoP-bound (RFC 9449) tokens;
 * - signing algorithms ES256 / PS256 / EdDSA only (never `none`, never HS*);
 * - resource indicators (RFC 8707) on: every access token names one audience — opaque for the
 *   gateway, JWT (RFC 9068) for internal APIs — and only along the call graph;
 * - introspection (signed JWT responses, RFC 9701) for the gateway only, revocation,
 *   RP-initiated logout, client credentials, refresh tokens rotated with reuse detection.
 */
import { errors } from 'oidc-provider'
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider'
import type { Adapter, ClientMetadata } from 'oidc-provider'
import { SIGNING_ALGORITHMS } from '@mythical/oauth'
import {
  certificateAuthorized,
  certificateSubjectMatches,
  getCertificate,
  withReason,
} from '@mythical/service-kit'
import type { AccountStore } from '../accounts/account-store.ts'
import type { IdpAudit } from '../audit/idp-audit.ts'
import { ACR_MFA, ACR_PASSWORD } from '@mythical/stack'
import type { ResourceDefinition } from '../policies/resources.ts'
import {
  ACCOUNT_REGISTRATION_SCOPE,
  CATALOGUE_SCOPE,
  GATEWAY_RESOURCE,
  SCOPE_DESCRIPTIONS,
} from '../policies/resources.ts'
import type { SigningJwk } from '../keys/signing-keys.ts'
import { providerPages } from '../interactions/provider-pages.ts'
import { extraTokenClaims } from './extra-token-claims.ts'
import { CLAIMS, findAccount } from './find-account.ts'
import { idpInteractionPolicy } from './interaction-policy.ts'
import { getResourceServerInfo } from './resource-server-info.ts'

/** Lifetimes in seconds (FAPI 2.0: authorization code ≤ 60 s). */
export const TTL = {
  AuthorizationCode: 60,
  IdToken: 300,
  Interaction: 600,
  Session: 8 * 3600,
  Grant: 14 * 24 * 3600,
  RefreshToken: 14 * 24 * 3600,
  ClientCredentials: 300,
  /** Fallback for an access token without a resource server (never issued in practice). */
  AccessToken: 300,
} as const

/** Everything the configuration is built from. */
export interface ProviderConfigurationOptions {
  adapter: new (model: string) => Adapter
  clients: ClientMetadata[]
  signingKeys: SigningJwk[]
  cookieKeys: string[]
  store: AccountStore
  catalogue: ReadonlyMap<string, ResourceDefinition>
  /** Public base URL of the mTLS alias listener, e.g. `https://localhost:4001`. */
  mtlsBaseUrl: string
  /** Origins the IdP's pages may send forms to (the clients' redirect URI origins). */
  formTargets: readonly string[]
  audit: IdpAudit
}

const algs = [...SIGNING_ALGORITHMS]
const BROWSER_CLIENTS = new Set(['web', 'web-staff'])

/**
 * Build the oidc-provider configuration.
 *
 * @example
 * ```ts
 * const provider = new Provider(config.issuer, providerConfiguration({ … }))
 * ```
 */
export function providerConfiguration(opts: ProviderConfigurationOptions): Configuration {
  const mtls = (path: string) => `${opts.mtlsBaseUrl}${path}`
  const pages = providerPages(opts.formTargets)
  return {
    renderError: pages.renderError,
    adapter: opts.adapter,
    clients: opts.clients,
    jwks: { keys: opts.signingKeys },
    findAccount: findAccount(opts.store),
    claims: {
      sid: null,
      iss: null,
      ...Object.fromEntries(Object.entries(CLAIMS).map(([k, v]) => [k, [...v]])),
    },
    scopes: [
      'openid',
      'offline_access',
      'profile',
      'email',
      ...Object.keys(SCOPE_DESCRIPTIONS),
      ACCOUNT_REGISTRATION_SCOPE,
      CATALOGUE_SCOPE,
    ],
    acrValues: [ACR_PASSWORD, ACR_MFA],
    responseTypes: ['code'],
    // The library defaults to RS256, which FAPI 2.0 (and this IdP) does not allow.
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'private_key_jwt',
      id_token_signed_response_alg: 'ES256',
      introspection_signed_response_alg: 'ES256',
      authorization_signed_response_alg: 'ES256',
    },
    subjectTypes: ['public'],
    clientAuthMethods: ['private_key_jwt', 'tls_client_auth'],
    allowOmittingSingleRegisteredRedirectUri: false,
    // Every client is a server (the web BFF, workloads): no browser needs CORS to reach the IdP.
    clientBasedCORS: () => false,
    pkce: { required: () => true },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    cookies: {
      keys: opts.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    ttl: {
      ...TTL,
      AccessToken: (_ctx: KoaContextWithOIDC, token) =>
        token.resourceServer?.accessTokenTTL ?? TTL.AccessToken,
      ClientCredentials: (_ctx: KoaContextWithOIDC, token) =>
        token.resourceServer?.accessTokenTTL ?? TTL.ClientCredentials,
    },
    enabledJWA: {
      clientAuthSigningAlgValues: algs,
      idTokenSigningAlgValues: algs,
      requestObjectSigningAlgValues: algs,
      userinfoSigningAlgValues: algs,
      introspectionSigningAlgValues: algs,
      authorizationSigningAlgValues: algs,
      dPoPSigningAlgValues: algs,
    },
    extraTokenClaims: extraTokenClaims(opts.store),
    interactions: {
      policy: idpInteractionPolicy(),
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    discovery: {
      mtls_endpoint_aliases: {
        token_endpoint: mtls('/token'),
        introspection_endpoint: mtls('/token/introspection'),
        revocation_endpoint: mtls('/token/revocation'),
        pushed_authorization_request_endpoint: mtls('/request'),
      },
    },
    features: {
      devInteractions: { enabled: false },
      fapi: { enabled: true, profile: '2.0' },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      dPoP: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        getCertificate,
        certificateAuthorized,
        certificateSubjectMatches,
      },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Only the gateway introspects, and only tokens minted for it (opaque gateway tokens);
        // anyone else learns nothing but `active: false` (RFC 7662 §2.2).
        allowedPolicy: async (ctx, client, token) => {
          const aud = [(token as { aud?: string | string[] }).aud ?? []].flat()
          const allowed = client.clientId === 'gateway' && aud.includes(GATEWAY_RESOURCE)
          if (!allowed) {
            opts.audit.record(ctx.req, {
              decision: 'deny',
              reason: 'introspection.not_allowed',
              boundary: 'TB03',
              client: client.clientId,
            })
          }
          return allowed
        },
      },
      jwtIntrospection: { enabled: true },
      revocation: {
        enabled: true,
        // RFC 7009 §2.1: a client may revoke only tokens issued to it; anyone else is refused
        // (not silently ignored), so a confused or hostile client learns it has no say.
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true
          throw withReason(
            new errors.UnauthorizedClient('client is not authorized to revoke the presented token'),
            'revocation.not_own_token',
          )
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
      resourceIndicators: {
        enabled: true,
        // Browser clients get gateway tokens unless they ask otherwise. RFC 8707 makes
        // `resource` optional, but a machine token without an audience would be accepted by any
        // API, so workloads must name their target.
        defaultResource: async (_ctx, client, oneOf) => {
          if (oneOf) return oneOf
          if (BROWSER_CLIENTS.has(client.clientId)) return GATEWAY_RESOURCE
          throw withReason(new errors.InvalidTarget('resource is required'), 'resource.missing')
        },
        useGrantedResource: async () => true,
        getResourceServerInfo: getResourceServerInfo(opts.catalogue),
      },
    },
  }
}
