/**
 * Builds the IdP (no listening here, see `main.ts`): identity store, keys, clients, the
 * oidc-provider instance and the request handler shared by the edge and the mTLS listeners.
 *
 * Request routing, in order: trace context and health probes (`@mythical/service-kit`
 * `withOidcProbes`; ready = the identity database answers) → interaction pages → oidc-provider,
 * whose requests are hop spans of the trust trace (`oidcHopSpan` of `@mythical/telemetry`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { Pool } from 'pg'
import { createAuditLogger } from '@mythical/audit'
import { checkDatabase, createDatabasePool } from '@mythical/db'
import { callerTraceparentOf, withOidcProbes } from '@mythical/service-kit'
import { workloadId } from '@mythical/stack'
import { oidcHopSpan } from '@mythical/telemetry'
import { clientRegistry } from '../clients.ts'
import { createAccountStore } from './accounts/account-store.ts'
import { createAuthenticator } from './accounts/authenticate.ts'
import { resealLegacySecrets } from './accounts/reseal-secrets.ts'
import { seedDemoAccounts } from './accounts/seed.ts'
import { createThrottleStore } from './accounts/throttle-store.ts'
import { idpAudit } from './audit/idp-audit.ts'
import type { IdpAudit } from './audit/idp-audit.ts'
import type { IdpConfig } from './config.ts'
import { signInRateLimiter } from './interactions/rate-limit.ts'
import { interactionRoutes } from './interactions/routes.ts'
import { loadDerivedKeys } from './keys/derived-keys.ts'
import { loadSigningKeys } from './keys/signing-keys.ts'
import { resourceCatalogue } from './policies/resources.ts'
import { createProvider } from './provider/create-provider.ts'
import { issuedTokenClaims } from './provider/issued-token-claims.ts'
import { accountRegistration } from './registration/account-registration.ts'

/** A built IdP. */
export interface Idp {
  readonly provider: Provider
  readonly pool: Pool
  readonly audit: IdpAudit
  /** Node request listener for both listeners, answering `/healthz` and `/readyz` too. */
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
 * await startOidcListeners(idp.handle, { identity, host, port: 4000, mtlsPort: 4001 })
 * ```
 */
export async function buildIdp(config: IdpConfig, opts: BuildIdpOptions = {}): Promise<Idp> {
  const audit = idpAudit(
    opts.audit ?? createAuditLogger({ service: config.serviceName, level: config.logLevel }),
  )
  const pool = createDatabasePool(config.secretsDir)
  const store = createAccountStore(pool)
  const keys = loadDerivedKeys(config.secretsDir)

  const resealed = await resealLegacySecrets(store, keys.totpSeal)
  if (resealed.resealed + resealed.unreadable > 0) {
    audit.logger.info(resealed, 'TOTP secrets in the retired sealing format migrated')
  }
  if (config.seedDemoData) {
    const created = await seedDemoAccounts(store, keys.totpSeal)
    if (created.length > 0) audit.logger.info({ created }, 'seeded demo accounts')
  }

  const clients = clientRegistry({
    webOrigin: config.webOrigin,
    pkiDir: config.pkiDir,
    partnerIssuer: config.partnerIssuer,
  })
  const signingKeys = loadSigningKeys(config.secretsDir)
  const provider = createProvider({
    issuer: config.issuer,
    mtlsBaseUrl: config.mtlsBaseUrl,
    pool,
    store,
    clients,
    signingKeys,
    cookieKeys: [keys.cookies.key.toString('base64url')],
    catalogue: resourceCatalogue(config.partnerIssuer),
    audit,
    formTargets: [config.webOrigin],
  })

  const interactions = interactionRoutes({
    provider,
    authenticator: createAuthenticator({
      store,
      throttle: createThrottleStore(pool),
      throttleKey: keys.signInThrottle.key,
      totpSealKey: keys.totpSeal,
    }),
    audit,
    csrfKey: keys.csrf.key,
    rateLimiter: signInRateLimiter(config.signInRateLimits),
    ownOrigin: new URL(config.issuer).origin,
    clientOrigins: [config.webOrigin],
  })
  const registration = accountRegistration({ issuer: config.issuer, signingKeys, store, audit })
  // Before callback(), which composes the middleware. A no-op while tracing is off (main.ts).
  provider.use(
    oidcHopSpan({
      workloadId: workloadId('retail', config.serviceName),
      callerTraceparent: callerTraceparentOf,
      issuedToken: issuedTokenClaims,
    }),
  )
  const oidc = provider.callback()

  const routes = (req: IncomingMessage, res: ServerResponse) => {
    const run = async () => {
      if (await interactions(req, res)) return
      if (await registration(req, res)) return
      return oidc(req, res)
    }
    run().catch((err: unknown) => {
      audit.logger.error({ err }, 'idp request failed')
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
      res.end('internal error')
    })
  }

  return {
    provider,
    pool,
    audit,
    handle: withOidcProbes(routes, {
      readiness: { database: () => checkDatabase(pool) },
      onCheckFailed: (check, err) => audit.logger.warn({ check, err }, 'readiness check failed'),
    }),
    close: () => pool.end(),
  }
}
