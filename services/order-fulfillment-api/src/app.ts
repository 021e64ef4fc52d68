/**
 * order-fulfillment-api, the process API (TB05 callee, TB06 and TB07 caller): the hop kit's mTLS
 * listener and access-token checks for my-shopping-api's exchanged tokens, token exchange to
 * orders-api, the card vault client (its own cardvault certificate and nested JWS+JWE), and its
 * own database for placed orders and the outbox. `/readyz` checks its database, the broker and
 * the IdP's keys.
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { connectBroker } from '@mythical/broker'
import { createDatabasePool } from '@mythical/db'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { IssuerKeySet, TokenClient } from '@mythical/oauth'
import { createHopService, loadDataKey } from '@mythical/service-kit'
import { createCardVaultClient, type CardVaultClient } from '@mythical/cardvault-client'
import type { Config } from './config.ts'
import { orderIdentity } from './order-identity.ts'
import { orderRoutes } from './routes/orders.ts'

const SERVICE = 'order-fulfillment-api'

/** What tests may replace. */
export interface AppDependencies {
  readonly audit?: AuditLogger
  /** Default: the IdP's JWKS over its internal URL, the retail CA pinned. */
  readonly keys?: IssuerKeySet
  /** Default: this workload's client at the IdP (token exchange over mTLS). */
  readonly tokens?: TokenClient
  /** Default: the real card vault at `TOKENIZATION_API_URL` (this service only tokenizes). */
  readonly vault?: Pick<CardVaultClient, 'tokenize' | 'close'>
}

/**
 * Builds the order-fulfillment-api app without listening.
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config, deps: AppDependencies = {}) {
  const audit = deps.audit ?? createAuditLogger({ service: SERVICE, level: config.LOG_LEVEL })
  const pool = createDatabasePool(config.SECRETS_DIR)
  const vault =
    deps.vault ??
    (await createCardVaultClient({
      service: SERVICE,
      secretsDir: config.SECRETS_DIR,
      pkiDir: config.PKI_DIR,
      url: config.TOKENIZATION_API_URL,
      logger: audit.logger,
    }))
  const { app, hop } = await createHopService({
    name: SERVICE,
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    audit,
    idp: { issuer: config.IDP_ISSUER, url: config.IDP_URL },
    targets: { 'orders-api': config.ORDERS_API_URL },
    database: pool,
    broker: () => connectBroker(config.SECRETS_DIR),
    ...(deps.keys ? { keys: deps.keys } : {}),
    ...(deps.tokens ? { tokens: deps.tokens } : {}),
  })
  app.addHook('onClose', () => vault.close())
  await app.register(orderRoutes, {
    pool,
    downstream: hop.downstream,
    vault,
    identity: orderIdentity(loadDataKey(config.SECRETS_DIR)),
  })
  return app
}
