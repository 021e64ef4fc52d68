/**
 * Starts the web: the Next.js pages (a production build in `.next/`, `pnpm --filter
 * @mythical/web build`) behind the BFF handler, over HTTPS with the web's workload certificate.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { importJWK, type CryptoKey, type JWK } from 'jose'
import nextModule from 'next'
import { createAuditLogger } from '@mythical/audit'
import { readSecretFile } from '@mythical/config'
import { createDatabasePool } from '@mythical/db'
import { loadWorkloadIdentity } from '@mythical/mtls'
import { createAuthorizationServerClient } from '@mythical/oauth'
import { loadDataKey } from '@mythical/service-kit'
import { SECRET_FILES, resourceUri, serviceByName } from '@mythical/stack'
import { createAnonymousCredential } from './bff/anonymous-token.ts'
import { createGatewayCaller } from './bff/gateway-client.ts'
import { createParcelTracker } from './bff/parcel-tracking.ts'
import { publicOriginDialer } from './bff/public-origin-dialer.ts'
import { SHOPPER_APP, STAFF_APP } from './bff/oidc-apps.ts'
import { createSessionStore } from './bff/sealed-sessions.ts'
import { createSignInClient } from './bff/sign-in.ts'
import { loadServiceConfig } from './config.ts'
import { createWebHandler } from './server.ts'

const config = loadServiceConfig()
const identity = loadWorkloadIdentity(config.SECRETS_DIR)
const audit = createAuditLogger({ service: 'web', level: config.LOG_LEVEL })
const signingJwk = JSON.parse(readSecretFile(config.SECRETS_DIR, SECRET_FILES.signingKey)) as JWK
const privateKey = (await importJWK(signingJwk, 'ES256')) as CryptoKey
// The IdP and the gateway present retail certificates: trust that CA and nothing else. Requests
// name their public origins and connect to the locations (ADR 0003, public-origin-dialer.ts).
const retailOnly = publicOriginDialer({
  routes: [
    [config.GATEWAY_ORIGIN, config.GATEWAY_URL],
    [config.IDP_ISSUER, config.IDP_URL],
  ],
  ca: identity.caPem,
})
// The shipping partner's edge servers present shipping certificates: that CA only, for them.
const shippingOnly = publicOriginDialer({
  routes: [[config.PARTNER_IDP_ISSUER, config.PARTNER_IDP_URL]],
  ca: readFileSync(join(config.PKI_DIR, 'shipping', 'ca.pem'), 'utf8'),
})
const serverFor = (clientId: string, issuer = config.IDP_ISSUER) =>
  createAuthorizationServerClient({
    issuer,
    clientId,
    authentication: {
      method: 'private_key_jwt',
      privateKey,
      ...(signingJwk.kid ? { kid: signingJwk.kid } : {}),
    },
    dispatcher: issuer === config.IDP_ISSUER ? retailOnly : shippingOnly,
  })
const gatewayResource = resourceUri(serviceByName('gateway'))
const signIn = {
  web: createSignInClient({
    server: serverFor(SHOPPER_APP.clientId),
    app: SHOPPER_APP,
    origin: config.WEB_ORIGIN,
    gatewayResource,
  }),
  'web-staff': createSignInClient({
    server: serverFor(STAFF_APP.clientId),
    app: STAFF_APP,
    origin: config.WEB_ORIGIN,
    gatewayResource,
  }),
}

// CommonJS `module.exports = next`: Node's default import is the function, the types disagree.
const next = nextModule as unknown as typeof nextModule.default
const webRoot = fileURLToPath(new URL('..', import.meta.url))
// Serve the configuration the build serialised, as Next's own standalone server does: compiling
// next.config.ts at start-up would need SWC, a native addon the permission model refuses.
const built = JSON.parse(
  readFileSync(join(webRoot, '.next', 'required-server-files.json'), 'utf8'),
) as { config: unknown }
process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(built.config)
const pages = next({ dev: false, dir: webRoot })
await pages.prepare()
const pageHandler = pages.getRequestHandler()

const handler = createWebHandler({
  origin: config.WEB_ORIGIN,
  identityProviders: [new URL(config.IDP_ISSUER).origin],
  sessions: createSessionStore(
    createDatabasePool(config.SECRETS_DIR),
    loadDataKey(config.SECRETS_DIR),
  ),
  signIn,
  callGateway: createGatewayCaller({ gatewayUrl: config.GATEWAY_ORIGIN, signIn }),
  anonymous: createAnonymousCredential({ client: signIn.web, clientId: 'web', gatewayResource }),
  trackParcels: createParcelTracker({
    retail: signIn.web,
    // The partner knows the retailer's `web` client by the public JWKS it published.
    partner: serverFor(SHOPPER_APP.clientId, config.PARTNER_IDP_ISSUER),
    partnerIssuer: config.PARTNER_IDP_ISSUER,
    trackingResource: resourceUri(serviceByName('order-tracking-api')),
    trackingUrl: config.ORDER_TRACKING_API_URL,
    trackingDispatcher: shippingOnly,
  }),
  audit,
  pages: (req, res) => pageHandler(req, res),
})

createServer(
  { cert: identity.certPem, key: identity.keyPem, minVersion: 'TLSv1.2' },
  handler,
).listen(config.PORT, config.HOST, () =>
  audit.logger.info(`web listening on https://${config.HOST}:${config.PORT}`),
)
