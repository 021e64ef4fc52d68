/**
 * customers-api, the system API over customers and loyalty (docs/internal-apis.md): mutual TLS,
 * each route behind the hop kit (exchanged access token for this audience, bound to the caller's
 * certificate, the route's scope and callers; staff routes the `sales-associate` role), and every
 * query in a transaction scoped to the token's subject — the customer, or the sales associate for
 * the staff routes (row-level security, TB12). Demo customers when the stack asks for them.
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { connectBroker } from '@mythical/broker'
import { createDatabasePool } from '@mythical/db'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { IssuerKeySet, TokenClient } from '@mythical/oauth'
import { createHopService } from '@mythical/service-kit'
import type { Config } from './config.ts'
import { seedDemoCustomers } from './demo-customers.ts'
import { customerRoutes } from './routes/customers.ts'
import { registrationRoutes } from './routes/registration.ts'

/** What tests may replace. */
export interface CustomersApiDependencies {
  audit?: AuditLogger
  /** Default: the IdP's JWKS over its internal URL, the retail CA pinned. */
  keys?: IssuerKeySet
  /** Default: this workload's client at the IdP (client credentials over mTLS). */
  tokens?: TokenClient
}

/**
 * Builds the customers-api app without listening (tests use `app.inject()`).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config, deps: CustomersApiDependencies = {}) {
  const pool = createDatabasePool(config.SECRETS_DIR)
  const { app, hop } = await createHopService({
    name: 'customers-api',
    identity: loadWorkloadIdentity(config.SECRETS_DIR),
    audit: deps.audit ?? createAuditLogger({ service: 'customers-api', level: config.LOG_LEVEL }),
    idp: { issuer: config.IDP_ISSUER, url: config.IDP_URL },
    // Identities of customers registered in a store are created at the IdP's mTLS alias.
    targets: { idp: config.IDP_MTLS_URL },
    database: pool,
    broker: () => connectBroker(config.SECRETS_DIR),
    ...(deps.keys ? { keys: deps.keys } : {}),
    ...(deps.tokens ? { tokens: deps.tokens } : {}),
  })
  if (config.SEED_DEMO_DATA) {
    const created = await seedDemoCustomers(pool)
    if (created.length > 0) app.log.info({ created }, 'seeded demo customers')
  }
  await app.register(customerRoutes, { pool })
  await app.register(registrationRoutes, { pool, downstream: hop.downstream })
  return app
}
