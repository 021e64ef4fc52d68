/**
 * Builds the partner IdP (no listening here — see server.ts): provider, federation grant, audit,
 * and the request listener — security headers, trace context and health probes
 * (`@mythical/service-kit` `withOidcProbes`; ready = the cached retail key set holds keys and the
 * database answers), then only the endpoints the federation uses (`servedEndpointsOnly`), then
 * oidc-provider. Its state — client assertion and subject-token `jti`s included — lives in its
 * own PostgreSQL database (`@mythical/oidc-store`), so a replay is refused after a restart too.
 */
import { readFile } from 'node:fs/promises'
import Provider from 'oidc-provider'
import { checkDatabase, createDatabasePool } from '@mythical/db'
import { PostgresReplayStore, postgresAdapter } from '@mythical/oidc-store'
import {
  derivePurposeKey,
  loadDataKey,
  loadPairwiseKey,
  withOidcProbes,
} from '@mythical/service-kit'
import type { RequestListener } from '@mythical/service-kit'
import type { AuditSink } from './audit/audit-sink.ts'
import { auditProviderEvents } from './audit/provider-events.ts'
import type { PartnerIdpConfig } from './config.ts'
import { createTrustedIssuers } from './federation/trusted-issuers.ts'
import { createSubjectTokenVerifier } from './federation/verify-subject-token.ts'
import { registerFederatedTokenExchange } from './grants/federated-token-exchange.ts'
import { loadRetailWebClient } from './provider/clients.ts'
import { providerConfiguration } from './provider/configuration.ts'
import { loadSigningKey } from './provider/keys.ts'
import { servedEndpointsOnly } from './provider/served-endpoints.ts'

/** HKDF label of the cookie-signing key; changing it rotates the key. */
const COOKIE_KEY_PURPOSE = 'mythical-partner-idp/cookies/v1'

export interface PartnerIdpDependencies {
  readonly audit: AuditSink
  /** Where failed readiness checks are reported (the service log); optional in tests. */
  readonly onCheckFailed?: (check: string, error: unknown) => void
}

export interface PartnerIdp {
  readonly provider: Provider
  /** Node request listener serving every endpoint of the provider, `/healthz` and `/readyz`. */
  readonly callback: RequestListener
  /** Release the database pool (after the listeners are closed). */
  close(): Promise<void>
}

/**
 * @example
 *   const { callback } = await buildPartnerIdp(loadConfig(), { audit })
 *   await startOidcListeners(callback, { identity, host, port: 5000, mtlsPort: 5001 })
 */
export async function buildPartnerIdp(
  config: PartnerIdpConfig,
  deps: PartnerIdpDependencies,
): Promise<PartnerIdp> {
  const signingKey = loadSigningKey(config.secretsDir)
  const web = await loadRetailWebClient(config.retail.webClientJwksFile)
  const retailCaPem = await readFile(config.retail.caFile, 'utf8')
  const dataKey = loadDataKey(config.secretsDir)
  // PostgreSQL is Mythical Retail's: it serves a retail-domain certificate.
  const pool = createDatabasePool(config.secretsDir, { serverCaFile: config.retail.caFile })

  const provider = new Provider(
    config.issuer,
    providerConfiguration({
      adapter: postgresAdapter(pool),
      signingKey,
      clients: [web],
      mtlsBaseUrl: config.mtlsBaseUrl,
      cookieKeys: [derivePurposeKey(dataKey, COOKIE_KEY_PURPOSE).key.toString('base64url')],
    }),
  )
  const audited = new WeakSet<Error>()
  auditProviderEvents(provider, deps.audit, audited)
  const trustedIssuers = createTrustedIssuers([
    { issuer: config.retail.issuer, jwksUri: config.retail.jwksUri, caPem: retailCaPem },
  ])
  const retailKeys = trustedIssuers.find(config.retail.issuer)?.keys
  if (!retailKeys) throw new TypeError('the retail issuer must be a trusted issuer')
  registerFederatedTokenExchange(provider, {
    verifier: createSubjectTokenVerifier({
      audience: config.issuer,
      trustedIssuers,
      replayStore: new PostgresReplayStore(pool, { model: 'FederatedSubjectToken' }),
      maxTokenAgeSeconds: config.subjectTokenMaxAgeSeconds,
    }),
    // Shared with shipping-api (SHARED_SECRETS): parcels are filed under the same pairwise subject.
    pairwiseKey: loadPairwiseKey(config.secretsDir),
    audit: deps.audit,
    audited,
  })
  const callback = withOidcProbes(servedEndpointsOnly(provider.callback()), {
    // The cached key set: an unauthenticated probe must not trigger a fetch per call.
    readiness: {
      'retail-jwks': () => retailKeys.ready(),
      database: () => checkDatabase(pool),
    },
    ...(deps.onCheckFailed ? { onCheckFailed: deps.onCheckFailed } : {}),
  })
  return { provider, callback, close: () => pool.end() }
}
