/**
 * orders-api, the system API over the orders database (docs/internal-apis.md): mutual TLS, only
 * order-fulfillment-api may call it (call graph), each route behind the hop kit (exchanged access
 * token for this audience, bound to the caller's certificate, the route's scope), and every query
 * in a transaction scoped to the token's subject (row-level security, TB12).
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { createDatabasePool } from '@mythical/db'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { IssuerKeySet } from '@mythical/oauth'
import { createHopService } from '@mythical/service-kit'
import type { Config } from './config.ts'
import { orderRoutes } from './routes/orders.ts'

/** What tests may replace. */
export interface OrdersApiDependencies {
  audit?: AuditLogger
  /** Default: the IdP's JWKS over its internal URL, the retail CA pinned. */
  keys?: IssuerKeySet
}

/**
 * Builds the orders-api app without listening (tests use `app.inject()`).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config, deps: OrdersApiDependencies = {}) {
  const pool = createDatabasePool(config.SECRETS_DIR)
  const { app } = await createHopService({
    name: 'orders-api',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    audit: deps.audit ?? createAuditLogger({ service: 'orders-api', level: config.LOG_LEVEL }),
    idp: { issuer: config.IDP_ISSUER, url: config.IDP_URL },
    database: pool,
    ...(deps.keys ? { keys: deps.keys } : {}),
  })
  await app.register(orderRoutes, { pool })
  return app
}
