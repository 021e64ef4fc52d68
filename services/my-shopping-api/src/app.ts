/**
 * my-shopping-api, the shopper app's experience API, on the hop kit: mutual TLS (client
 * certificate required), only the gateway may call it (TB04, the call graph), and every route
 * demands the gateway's phantom JWT — an exchanged token for this API, certificate-bound to the
 * gateway — with the route's scopes. Each downstream call exchanges the user's token again for
 * exactly the next hop (TB05, TB06).
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { IssuerKeySet, TokenClient } from '@mythical/oauth'
import { createHopService } from '@mythical/service-kit'
import type { Config } from './config.ts'
import { meRoutes } from './routes/me.ts'
import { orderRoutes } from './routes/orders.ts'
import { productRoutes } from './routes/products.ts'
import { traceRoutes } from './routes/traces.ts'

/** What tests may replace. */
export interface ShoppingApiDependencies {
  audit?: AuditLogger
  /** Default: the IdP's JWKS over the internal URL, the retail CA pinned. */
  keys?: IssuerKeySet
  /** Default: this workload's token client at the IdP (`tls_client_auth`). */
  tokens?: TokenClient
}

/**
 * Builds the my-shopping-api app without listening (tests use `app.inject()` or port 0).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config, deps: ShoppingApiDependencies = {}) {
  const { app, hop } = await createHopService({
    name: 'my-shopping-api',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    audit: deps.audit ?? createAuditLogger({ service: 'my-shopping-api', level: config.LOG_LEVEL }),
    idp: { issuer: config.IDP_ISSUER, url: config.IDP_URL },
    targets: {
      'order-fulfillment-api': config.ORDER_FULFILLMENT_API_URL,
      'customers-api': config.CUSTOMERS_API_URL,
      'recommendations-api': config.RECOMMENDATIONS_API_URL,
      'trace-store': config.TRACE_STORE_URL,
    },
    ...(deps.keys ? { keys: deps.keys } : {}),
    ...(deps.tokens ? { tokens: deps.tokens } : {}),
  })
  const { downstream } = hop
  await app.register(productRoutes)
  await app.register(meRoutes, { downstream })
  await app.register(orderRoutes, { downstream })
  await app.register(traceRoutes, { downstream })
  return app
}
