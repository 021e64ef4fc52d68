/**
 * shop-assistant-api, the sales-associate app's experience API (TB11), on the hop kit: mutual
 * TLS, only the gateway may call it (call graph), the gateway's phantom JWT for this API bound to
 * the gateway's certificate, and on every route the `sales-associate` role plus MFA — without MFA
 * an RFC 9470 step-up challenge. customers-api is called with a token exchanged per hop.
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { IssuerKeySet, TokenClient } from '@mythical/oauth'
import { createHopService } from '@mythical/service-kit'
import type { Config } from './config.ts'
import { customerRoutes } from './routes/customers.ts'

/** What tests may replace. */
export interface ShopAssistantDependencies {
  audit?: AuditLogger
  /** Default: the IdP's JWKS over the internal URL, the retail CA pinned. */
  keys?: IssuerKeySet
  /** Default: this workload's token client at the IdP (`tls_client_auth`). */
  tokens?: TokenClient
}

/**
 * Builds the shop-assistant-api app without listening (tests use `app.inject()` or port 0).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config, deps: ShopAssistantDependencies = {}) {
  const { app, hop } = await createHopService({
    name: 'shop-assistant-api',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    audit:
      deps.audit ?? createAuditLogger({ service: 'shop-assistant-api', level: config.LOG_LEVEL }),
    idp: { issuer: config.IDP_ISSUER, url: config.IDP_URL },
    targets: { 'customers-api': config.CUSTOMERS_API_URL },
    ...(deps.keys ? { keys: deps.keys } : {}),
    ...(deps.tokens ? { tokens: deps.tokens } : {}),
  })
  await app.register(customerRoutes, { downstream: hop.downstream })
  return app
}
