/**
 * trace-store, the stack's own OpenTelemetry trace store (docs/decisions/0004-trust-trace.md):
 * OTLP/HTTP ingest from retail workloads over mTLS, append-only spans in its own PostgreSQL
 * database, and queries for the user of the validated access token only (row-level security).
 * Spans of the vault and the shipping partner never arrive here: their CAs are not trusted.
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { createDatabasePool } from '@mythical/db'
import { loadWorkloadIdentity } from '@mythical/mtls'
import type { IssuerKeySet } from '@mythical/oauth'
import { accessTokenPlugin, createHopKit, createService } from '@mythical/service-kit'
import { callersOf, serviceByName, workloadId } from '@mythical/stack'
import type { Config } from './config.ts'
import { ingestRoutes } from './routes/ingest.ts'
import { queryRoutes } from './routes/queries.ts'

/** What tests may replace. */
export interface TraceStoreDependencies {
  audit?: AuditLogger
  /** Default: the IdP's JWKS over its internal URL, the retail CA pinned. */
  keys?: IssuerKeySet
}

const NAME = 'trace-store'

/** Retail workloads that export spans here: the call graph's callers in the retail domain. */
export const exporters = (): readonly string[] =>
  callersOf(NAME)
    .map(serviceByName)
    .filter((service) => service.domain === 'retail')
    .map((service) => workloadId(service.domain, service.name))

/**
 * Builds the trace-store app without listening (tests use port 0).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config, deps: TraceStoreDependencies = {}) {
  const identity = loadWorkloadIdentity(config.SECRETS_DIR)
  const audit = deps.audit ?? createAuditLogger({ service: NAME, level: config.LOG_LEVEL })
  const pool = createDatabasePool(config.SECRETS_DIR)
  const hop = createHopKit({
    service: NAME,
    identity,
    audit,
    idp: { issuer: config.IDP_ISSUER, url: config.IDP_URL },
    ...(deps.keys ? { keys: deps.keys } : {}),
  })
  const app = await createService({
    name: NAME,
    identity,
    exposure: 'internal',
    audit,
    database: pool,
    readiness: { 'idp-keys': () => hop.keys.ready() },
  })
  app.addHook('onClose', () => hop.close())
  await app.register(ingestRoutes, { pool, exporters: exporters() })
  // The token check covers the query routes only: exporters authenticate by certificate.
  await app.register(async (queries) => {
    await queries.register(accessTokenPlugin, { service: NAME, verifier: hop.verifier, audit })
    await queries.register(queryRoutes, { pool })
  })
  return app
}
