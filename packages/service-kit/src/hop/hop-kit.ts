/**
 * The hop kit of one fastify workload, wired once: the retail IdP's keys (JWKS over TLS, the
 * retail CA pinned, cached), the access-token verifier for this service's audience, the token
 * client (`tls_client_auth` over the IdP's mTLS aliases: exchanged tokens come back bound to this
 * workload's certificate), and the downstream client. `createHopService` adds it to
 * `createService`.
 */
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { createMtlsAgent, type WorkloadIdentity } from '@mythical/mtls'
import {
  createAccessTokenVerifier,
  createAuthorizationServerClient,
  createIssuerKeySet,
  createTokenClient,
  type AccessTokenVerifier,
  type IssuerKeySet,
  type TokenClient,
} from '@mythical/oauth'
import { resourceUri, serviceByName } from '@mythical/stack'
import type { FastifyInstance } from 'fastify'
import { createService, type ServiceOptions } from '../create-service.ts'
import { accessTokenPlugin } from './access-token-plugin.ts'
import { createDownstreamClient, type DownstreamClient } from './downstream-client.ts'

/** The retail IdP as a hop sees it. */
export interface HopIdp {
  /** The exact `iss` of its tokens (`IDP_ISSUER`). */
  readonly issuer: string
  /** Where this workload reaches it (`IDP_URL`): JWKS at `<url>/jwks`. */
  readonly url: string
}

/** Options of {@link createHopKit}. */
export interface HopKitOptions {
  /** Manifest name of this service. */
  readonly service: string
  readonly identity: WorkloadIdentity
  readonly idp: HopIdp
  /** Services this one calls with access tokens: manifest name → base URL. */
  readonly targets?: Readonly<Record<string, string | undefined>>
  readonly audit: AuditLogger
  /** Tests: the issuer's keys (default: fetched from the IdP). */
  readonly keys?: IssuerKeySet
  /** Tests: the token client (default: this workload's client at the IdP). */
  readonly tokens?: TokenClient
}

/** One workload's hop machinery. */
export interface HopKit {
  readonly keys: IssuerKeySet
  readonly verifier: AccessTokenVerifier
  readonly tokens: TokenClient
  readonly downstream: DownstreamClient
  close(): Promise<void>
}

/** The algorithms the retail IdP signs access tokens with. */
const RETAIL_ACCESS_TOKEN_ALGORITHMS = ['ES256'] as const

/**
 * @example
 * ```ts
 * const hop = createHopKit({ service: 'order-fulfillment-api', identity, audit,
 *   idp: { issuer: config.IDP_ISSUER, url: config.IDP_URL },
 *   targets: { 'orders-api': config.ORDERS_API_URL } })
 * ```
 */
export function createHopKit(options: HopKitOptions): HopKit {
  const keys =
    options.keys ??
    createIssuerKeySet({ jwksUri: `${options.idp.url}/jwks`, caPem: options.identity.caPem })
  const verifier = createAccessTokenVerifier({
    issuer: options.idp.issuer,
    keys,
    algorithms: RETAIL_ACCESS_TOKEN_ALGORITHMS,
    audience: resourceUri(serviceByName(options.service)),
  })
  let idpDispatcher: ReturnType<typeof createMtlsAgent> | undefined
  const tokens = options.tokens ?? ownTokenClient()
  function ownTokenClient(): TokenClient {
    idpDispatcher = createMtlsAgent(options.identity)
    return createTokenClient({
      server: createAuthorizationServerClient({
        issuer: options.idp.issuer,
        url: options.idp.url,
        clientId: options.service,
        authentication: { method: 'tls_client_auth' },
        dispatcher: idpDispatcher,
      }),
    })
  }
  const downstream = createDownstreamClient({
    service: options.service,
    identity: options.identity,
    targets: options.targets ?? {},
    tokens,
    logger: options.audit.logger,
  })
  return {
    keys,
    verifier,
    tokens,
    downstream,
    async close() {
      await downstream.close()
      await idpDispatcher?.close()
    },
  }
}

/** Options of {@link createHopService}: the service's and the kit's. */
export interface HopServiceOptions extends Omit<ServiceOptions, 'exposure'> {
  readonly idp: HopIdp
  readonly targets?: HopKitOptions['targets']
  readonly keys?: IssuerKeySet
  readonly tokens?: TokenClient
}

/**
 * An internal fastify workload with the hop kit: mTLS listener (client certificate required),
 * `/readyz` including the IdP's keys, and {@link accessTokenPlugin} — every route added to `app`
 * must declare `config.access`.
 *
 * @example
 * ```ts
 * const { app, hop } = await createHopService({ name: 'orders-api', identity, audit,
 *   idp: { issuer: config.IDP_ISSUER, url: config.IDP_URL } })
 * app.get('/orders', { config: { access: { scopes: ['orders:read'] } } },
 *   async (request) => listOrders(request.access!.subject))
 * ```
 */
export async function createHopService(
  options: HopServiceOptions,
): Promise<{ app: FastifyInstance; hop: HopKit }> {
  const audit =
    options.audit ??
    createAuditLogger({
      service: options.name,
      ...(options.logLevel ? { level: options.logLevel } : {}),
    })
  const { idp, targets, keys, tokens, ...service } = options
  const hop = createHopKit({
    service: options.name,
    identity: options.identity,
    idp,
    audit,
    ...(targets ? { targets } : {}),
    ...(keys ? { keys } : {}),
    ...(tokens ? { tokens } : {}),
  })
  const app = await createService({
    ...service,
    exposure: 'internal',
    audit,
    readiness: { ...options.readiness, 'idp-keys': () => hop.keys.ready() },
  })
  app.addHook('onClose', () => hop.close())
  await app.register(accessTokenPlugin, { service: options.name, verifier: hop.verifier, audit })
  return { app, hop }
}
