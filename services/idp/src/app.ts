/**
 * Builds the IdP (no listening here, see `main.ts`): identity store, keys, clients, the
 * oidc-provider instance and the request handler shared by the edge and the mTLS listeners.
 *
 * Request routing, in order: health probes → interaction pages → oidc-provider.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { Pool } from 'pg'
import { createAuditLogger } from '@mythical/audit'
import { checkDatabase, createDatabasePool } from '@mythical/db'
import { clientRegistry } from '../clients.ts'
import { createAccountStore } from './accounts/account-store.ts'
import { createAuthenticator } from './accounts/authenticate.ts'
import { seedDemoAccounts } from './accounts/seed.ts'
import { idpAudit } from './audit/idp-audit.ts'
import type { IdpAudit } from './audit/idp-audit.ts'
import type { IdpConfig } from './config.ts'
import { interactionRoutes } from './interactions/routes.ts'
import { loadDerivedKeys } from './keys/derived-keys.ts'
import { loadSigningKeys } from './keys/signing-keys.ts'
import { resourceCatalogue } from './policies/resources.ts'
import { createProvider } from './provider/create-provider.ts'

/** A built IdP. */
export interface Idp {
  readonly provider: Provider
  readonly pool: Pool
  readonly audit: IdpAudit
  /** Node request listener for both listeners. */
  handle(req: IncomingMessage, res: ServerResponse): void
  /** Release the database pool. */
  close(): Promise<void>
}

/** Overrides for tests. */
export interface BuildIdpOptions {
  /** Audit logger (tests pass one writing to a captured stream). */
  audit?: ReturnType<typeof createAuditLogger>
}

/**
 * Build the IdP from validated configuration.
 *
 * @example
 * ```ts
 * const idp = await buildIdp(loadIdpConfig())
 * https.createServer(tlsOptions, idp.handle).listen(4000)
 * ```
 */
export async function buildIdp(config: IdpConfig, opts: BuildIdpOptions = {}): Promise<Idp> {
  const audit = idpAudit(
    opts.audit ?? createAuditLogger({ service: config.serviceName, level: config.logLevel }),
  )
  const pool = createDatabasePool(config.secretsDir)
  const store = createAccountStore(pool)
  const keys = loadDerivedKeys(config.secretsDir)

  if (!config.production) {
    const created = await seedDemoAccounts(store, keys.totpSeal)
    if (created.length > 0) audit.logger.info({ created }, 'seeded demo accounts')
  }

  const clients = clientRegistry({
    webOrigin: config.webOrigin,
    pkiDir: config.pkiDir,
    partnerIssuer: config.partnerIssuer,
  })
  const provider = createProvider({
    issuer: config.issuer,
    mtlsBaseUrl: config.mtlsBaseUrl,
    pool,
    store,
    clients,
    signingKeys: loadSigningKeys(config.secretsDir),
    cookieKeys: [keys.cookies.toString('base64url')],
    catalogue: resourceCatalogue(config.partnerIssuer),
    audit,
    formTargets: [config.webOrigin],
  })

  const interactions = interactionRoutes({
    provider,
    authenticator: createAuthenticator({ store, totpSealKey: keys.totpSeal }),
    audit,
    csrfKey: keys.csrf,
    ownOrigin: new URL(config.issuer).origin,
    clientOrigins: [config.webOrigin],
  })
  const oidc = provider.callback()

  const health = async (path: string, res: ServerResponse) => {
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
      return
    }
    try {
      await checkDatabase(pool)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}')
    } catch {
      res
        .writeHead(503, { 'content-type': 'application/problem+json' })
        .end('{"status":503,"code":"ZT_ERR_DEPENDENCY_UNAVAILABLE","title":"database unavailable"}')
    }
  }

  return {
    provider,
    pool,
    audit,
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0] ?? '/'
      const run = async () => {
        if (req.method === 'GET' && (path === '/healthz' || path === '/readyz')) {
          return health(path, res)
        }
        if (await interactions(req, res)) return
        return oidc(req, res)
      }
      run().catch((err: unknown) => {
        audit.logger.error({ err }, 'idp request failed')
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end('internal error')
      })
    },
    close: () => pool.end(),
  }
}
