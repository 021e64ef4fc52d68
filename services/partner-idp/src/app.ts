/**
 * Builds the partner IdP (no listening here — see server.ts): provider, federation grant, audit.
 */
import { readFile } from 'node:fs/promises'
import Provider from 'oidc-provider'
import type { AuditSink } from './audit/audit-sink.ts'
import { auditProviderEvents } from './audit/provider-events.ts'
import type { PartnerIdpConfig } from './config.ts'
import { derivePairwiseKey } from './federation/pairwise-subject.ts'
import { ReplayCache } from './federation/replay-cache.ts'
import { createTrustedIssuers } from './federation/trusted-issuers.ts'
import {
  CLOCK_TOLERANCE_SECONDS,
  createSubjectTokenVerifier,
} from './federation/verify-subject-token.ts'
import { registerFederatedTokenExchange } from './grants/federated-token-exchange.ts'
import { loadRetailWebClient } from './provider/clients.ts'
import { providerConfiguration } from './provider/configuration.ts'
import { loadSigningKey } from './provider/keys.ts'

export interface PartnerIdpDependencies {
  readonly audit: AuditSink
}

export interface PartnerIdp {
  readonly provider: Provider
  /** Node request listener serving every endpoint of the provider. */
  readonly callback: ReturnType<Provider['callback']>
}

/**
 * @example
 *   const { callback } = await buildPartnerIdp(loadConfig(), { audit })
 *   https.createServer(tlsOptions, callback)
 */
export async function buildPartnerIdp(
  config: PartnerIdpConfig,
  deps: PartnerIdpDependencies,
): Promise<PartnerIdp> {
  const signingKey = loadSigningKey(config.secretsDir)
  const web = await loadRetailWebClient(config.retail.webClientJwksFile)
  const retailCaPem = await readFile(config.retail.caFile, 'utf8')

  const provider = new Provider(
    config.issuer,
    providerConfiguration({ signingKey, clients: [web], mtlsBaseUrl: config.mtlsBaseUrl }),
  )
  const audited = new WeakSet<Error>()
  auditProviderEvents(provider, deps.audit, audited)
  registerFederatedTokenExchange(provider, {
    verifier: createSubjectTokenVerifier({
      audience: config.issuer,
      trustedIssuers: createTrustedIssuers([
        { issuer: config.retail.issuer, jwksUri: config.retail.jwksUri, caPem: retailCaPem },
      ]),
      replayCache: new ReplayCache({ toleranceSeconds: CLOCK_TOLERANCE_SECONDS }),
    }),
    pairwiseKey: derivePairwiseKey(signingKey),
    audit: deps.audit,
    audited,
  })
  return { provider, callback: provider.callback() }
}
