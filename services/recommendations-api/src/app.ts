/**
 * recommendations-api (docs/internal-apis.md): mutual TLS, only my-shopping-api may call it (call
 * graph), each route behind the hop kit (exchanged access token for this audience, bound to the
 * caller's certificate, `recommendations:read`), and the purchase history read in a transaction
 * scoped to the token's subject (row-level security, TB12). Its `order.placed` consumer, which
 * fills that history, is the events issue's.
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { connectBroker } from '@mythical/broker'
import { CATALOGUE } from '@mythical/catalogue'
import { createDatabasePool } from '@mythical/db'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { IssuerKeySet } from '@mythical/oauth'
import { createHopService } from '@mythical/service-kit'
import type { Config } from './config.ts'
import { recommendationRoutes } from './routes/recommendations.ts'

/** What tests may replace. */
export interface RecommendationsApiDependencies {
  audit?: AuditLogger
  /** Default: the IdP's JWKS over its internal URL, the retail CA pinned. */
  keys?: IssuerKeySet
}

/**
 * Builds the recommendations-api app without listening (tests use `app.inject()`).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config, deps: RecommendationsApiDependencies = {}) {
  const pool = createDatabasePool(config.SECRETS_DIR)
  const { app } = await createHopService({
    name: 'recommendations-api',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    audit:
      deps.audit ?? createAuditLogger({ service: 'recommendations-api', level: config.LOG_LEVEL }),
    idp: { issuer: config.IDP_ISSUER, url: config.IDP_URL },
    database: pool,
    broker: () => connectBroker(config.SECRETS_DIR),
    ...(deps.keys ? { keys: deps.keys } : {}),
  })
  await app.register(recommendationRoutes, { pool, catalogue: CATALOGUE })
  return app
}
