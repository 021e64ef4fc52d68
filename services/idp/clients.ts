/**
 * The IdP's client registry — every OAuth client of the retail domain, declared once:
 *
 * - `web` (shopper) and `web-staff` (sales associate): confidential clients of the web BFF,
 *   `private_key_jwt` with web's public signing key (no client secrets anywhere), PAR required,
 *   PKCE S256, DPoP-bound tokens; `web-staff` always demands MFA (see `src/policies/mfa.ts`);
 * - every internal workload (gateway included): `tls_client_auth` with its SPIFFE id as the
 *   certificate's URI SAN, certificate-bound access tokens (RFC 8705), client credentials and
 *   token exchange; the gateway may also introspect (signed JWT responses, RFC 9701).
 *
 * Which audience each client may obtain tokens for is the call-graph policy
 * (the stack's call graph, `isAllowedTarget` of `@mythical/stack`); the federation trust with the shipping partner is the
 * partner resource in `src/policies/resources.ts` (audience = `PARTNER_IDP_ISSUER`).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ClientMetadata, JWK } from 'oidc-provider'
import { SERVICES, tokenAudiences, workloadId } from '@mythical/stack'
import { TOKEN_EXCHANGE_GRANT } from './src/grants/token-exchange.ts'
import { resourceCatalogue, TRACES_SCOPE } from './src/policies/resources.ts'

/** Where the web BFF receives authorization responses (its routes must match). */
export const WEB_REDIRECT_PATHS = {
  web: '/auth/callback',
  'web-staff': '/staff/auth/callback',
} as const

/** Inputs the registry depends on. */
export interface ClientRegistryOptions {
  /** Public origin of the web app, e.g. `https://localhost:3000`. */
  webOrigin: string
  /** The public PKI folder: `retail/jwks/web.json` holds web's public keys. */
  pkiDir: string
  partnerIssuer: string
}

function webSigningKeys(pkiDir: string) {
  const file = join(pkiDir, 'retail', 'jwks', 'web.json')
  const jwks = JSON.parse(readFileSync(file, 'utf8')) as { keys: (JWK & { use?: string })[] }
  const keys = jwks.keys.filter((k) => k.use === 'sig')
  if (keys.length === 0 || keys.some((k) => 'd' in k)) {
    throw new TypeError(`${file} must hold web's public signing key(s) only`)
  }
  return { keys }
}

/**
 * Build the client list handed to oidc-provider.
 *
 * @example
 * ```ts
 * const clients = clientRegistry({ webOrigin: 'https://localhost:3000', pkiDir, partnerIssuer })
 * ```
 */
export function clientRegistry(opts: ClientRegistryOptions): ClientMetadata[] {
  const catalogue = [...resourceCatalogue(opts.partnerIssuer).values()]
  const scopesFor = (clientId: string) => {
    const targets = new Set(tokenAudiences(clientId))
    return [...new Set(catalogue.filter((r) => targets.has(r.service)).flatMap((r) => r.scopes))]
  }
  const jwks = webSigningKeys(opts.pkiDir)

  const browserClient = (clientId: 'web' | 'web-staff'): ClientMetadata => ({
    client_id: clientId,
    client_name: clientId === 'web' ? 'Mythical Retail shop' : 'Mythical Retail shop assistant',
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks,
    redirect_uris: [`${opts.webOrigin}${WEB_REDIRECT_PATHS[clientId]}`],
    post_logout_redirect_uris: [`${opts.webOrigin}/`],
    response_types: ['code'],
    // The shopper client also gets its own token (no user) for anonymous browsing of the catalogue.
    grant_types: [
      'authorization_code',
      'refresh_token',
      TOKEN_EXCHANGE_GRANT,
      ...(clientId === 'web' ? ['client_credentials'] : []),
    ],
    require_pushed_authorization_requests: true,
    dpop_bound_access_tokens: true,
    id_token_signed_response_alg: 'ES256',
    // The trust trace is the shopper's own: the staff app never reads one.
    scope: ['openid', 'offline_access', 'profile', 'email', ...scopesFor(clientId)]
      .filter((scope) => clientId === 'web' || scope !== TRACES_SCOPE)
      .join(' '),
  })

  const workloadClients = SERVICES.filter(
    (s) => s.domain === 'retail' && !['idp', 'web'].includes(s.name),
  ).map((s): ClientMetadata => ({
    client_id: s.name,
    client_name: s.name,
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_san_uri: workloadId(s.domain, s.name),
    tls_client_certificate_bound_access_tokens: true,
    response_types: [],
    redirect_uris: [],
    grant_types: ['client_credentials', TOKEN_EXCHANGE_GRANT],
    scope: scopesFor(s.name).join(' ') || undefined,
    ...(s.name === 'gateway' ? { introspection_signed_response_alg: 'ES256' } : {}),
  }))

  return [browserClient('web'), browserClient('web-staff'), ...workloadClients]
}
