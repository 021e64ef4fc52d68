/**
 * my-shopping-api, the shopper app's experience API: mutual TLS (client certificate required),
 * only the gateway may call it (TB04), and every route demands the gateway's phantom JWT — an
 * exchanged token for this API, certificate-bound to the gateway (see phantom-jwt.ts).
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import { createAccessTokenVerifier, createIssuerKeySet, type IssuerKeySet } from '@mythical/oauth'
import { createService } from '@mythical/service-kit'
import { resourceUri, serviceByName, workloadId } from '@mythical/stack'
import type { Config } from './config.ts'
import { requirePhantomJwt } from './phantom-jwt.ts'
import { productRoutes } from './routes/products.ts'

/** What tests may replace. */
export interface ShoppingApiDependencies {
  audit?: AuditLogger
  /** Default: the IdP's JWKS over the internal URL, the retail CA pinned. */
  keys?: IssuerKeySet
}

/**
 * Builds the my-shopping-api app without listening (tests use `app.inject()`).
 *
 * @example
 * ```ts
 * const app = await buildApp(loadServiceConfig())
 * ```
 */
export async function buildApp(config: Config, deps: ShoppingApiDependencies = {}) {
  const identity = loadWorkloadIdentity(config.SECRETS_DIR)
  const audit =
    deps.audit ?? createAuditLogger({ service: 'my-shopping-api', level: config.LOG_LEVEL })
  const keys =
    deps.keys ?? createIssuerKeySet({ jwksUri: `${config.IDP_URL}/jwks`, caPem: identity.caPem })
  const app = await createService({
    name: 'my-shopping-api',
    identity,
    exposure: 'internal',
    audit,
    readiness: { 'idp-keys': () => keys.ready() },
  })
  const verifier = createAccessTokenVerifier({
    issuer: config.IDP_ISSUER,
    keys,
    algorithms: ['ES256'],
    audience: resourceUri(serviceByName('my-shopping-api')),
  })
  const gateway = serviceByName('gateway')
  await app.register(async (api) => {
    api.decorateRequest('access', undefined)
    api.addHook('preHandler', requirePhantomJwt(verifier, audit))
    await api.register(productRoutes, {
      allowedCallers: [workloadId(gateway.domain, gateway.name)],
    })
  })
  return app
}
