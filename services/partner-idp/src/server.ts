/**
 * Puts the partner IdP on the network with `@mythical/service-kit` `startOidcListeners`: two
 * HTTPS listeners serving the same provider, both presenting the shipping workload certificate
 * from the partner's own secrets folder:
 *
 * - the edge listener (`PORT`): TLS, no client certificate — browsers and the retail BFF
 *   authenticate at the OAuth layer (`private_key_jwt`);
 * - the mTLS alias listener (`MTLS_PORT`, RFC 8705 `mtls_endpoint_aliases`): the handshake demands
 *   a workload certificate from the shipping CA, or the retail CA's certificate of the one retail
 *   workload that federates (`web`, the BFF exchanging Katie's token); tokens issued there are
 *   bound to it. No other retail workload has any business at the partner's IdP; given a logger,
 *   the alias audits every caller it turns away.
 */
import { readFileSync } from 'node:fs'
import type { AuditLogger } from '@mythical/audit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import { startOidcListeners } from '@mythical/service-kit'
import type { OidcListeners } from '@mythical/service-kit'
import { buildPartnerIdp } from './app.ts'
import type { PartnerIdpDependencies } from './app.ts'
import type { PartnerIdpConfig } from './config.ts'

/**
 * The one retail workload that federates with the partner: the web BFF, which exchanges Katie's
 * retail token for a partner token. Its certificate (retail CA) may use the mTLS alias.
 */
export const RETAIL_WEB_WORKLOAD = 'spiffe://retail.mythical.example/web'

/** The running partner IdP: its bound origins and `close()`. */
export type RunningPartnerIdp = OidcListeners

/**
 * @example
 *   const idp = await startPartnerIdp(loadConfig(), { audit }, audit)
 *   await idp.close()
 */
export async function startPartnerIdp(
  config: PartnerIdpConfig,
  deps: PartnerIdpDependencies,
  /** Where the mTLS alias audits the callers it turns away (refused handshake, peer not admitted). */
  listenerAudit?: AuditLogger,
): Promise<RunningPartnerIdp> {
  const identity = loadWorkloadIdentity(config.secretsDir)
  const retailCaPem = readFileSync(config.retail.caFile, 'utf8')
  const idp = await buildPartnerIdp(config, deps)
  let listeners: OidcListeners
  try {
    listeners = await startOidcListeners(idp.callback, {
      identity,
      host: config.host,
      port: config.port,
      mtlsPort: config.mtlsPort,
      federatedPeers: [{ caPem: retailCaPem, spiffeIds: [RETAIL_WEB_WORKLOAD] }],
      ...(listenerAudit ? { audit: listenerAudit } : {}),
    })
  } catch (err) {
    await idp.close()
    throw err
  }
  return {
    origin: listeners.origin,
    mtlsOrigin: listeners.mtlsOrigin,
    close: async () => {
      await listeners.close()
      await idp.close()
    },
  }
}
