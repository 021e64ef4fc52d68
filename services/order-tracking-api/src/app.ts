/**
 * order-tracking-api, run by the shipping partner (trust domain shipping) on its own stack
 * (express): the partner's public edge (TLS, no client certificate), `GET /parcels?order=` for
 * partner-issued tokens only (`tracking/partner-token.ts`). It stores nothing: the parcels are
 * shipping-api's, read over mTLS (`tracking/parcels-client.ts`).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createAuditLogger, type AuditLogger } from '@mythical/audit'
import { createMtlsAgent, type WorkloadIdentity } from '@mythical/mtls'
import { createAccessTokenVerifier, createIssuerKeySet, type IssuerKeySet } from '@mythical/oauth'
import { expressServiceBasics } from '@mythical/service-kit'
import { resourceUri, serviceByName, workloadId } from '@mythical/stack'
import express, { type Express } from 'express'
import type { Config } from './config.ts'
import { parcelsRoute } from './routes/parcels.ts'
import { createParcelLookup } from './tracking/parcels-client.ts'

export const SERVICE = 'order-tracking-api'
const OWNER = 'shipping-api'

/** What tests may replace. */
export interface AppDependencies {
  /** Its workload identity: the client certificate it presents to shipping-api. */
  readonly identity: WorkloadIdentity
  readonly audit?: AuditLogger
  /** partner-idp's keys; default: its JWKS over TLS anchored in the shipping CA only. */
  readonly partnerKeys?: IssuerKeySet
}

/**
 * Builds the order-tracking-api express app without listening, and `close` for its connections.
 *
 * @example
 * ```ts
 * const { app } = buildApp(loadServiceConfig(), { identity })
 * ```
 */
export function buildApp(
  config: Config,
  deps: AppDependencies,
): { app: Express; audit: AuditLogger; close(): Promise<void> } {
  const audit = deps.audit ?? createAuditLogger({ service: SERVICE, level: config.LOG_LEVEL })
  const shippingCa = readFileSync(join(config.PKI_DIR, 'shipping', 'ca.pem'), 'utf8')
  const partnerKeys =
    deps.partnerKeys ??
    createIssuerKeySet({
      jwksUri: new URL('/jwks', config.PARTNER_IDP_URL).href,
      caPem: shippingCa,
    })
  const verifier = createAccessTokenVerifier({
    issuer: config.PARTNER_IDP_ISSUER,
    keys: partnerKeys,
    algorithms: ['ES256'],
    audience: resourceUri(serviceByName(SERVICE)),
  })
  const toOwner = createMtlsAgent(deps.identity, {
    trustedCaPem: [shippingCa],
    allowedServerIds: [workloadId(serviceByName(OWNER).domain, OWNER)],
  })
  const app = express()
  expressServiceBasics(
    app,
    { name: SERVICE, audit, readiness: { 'partner-idp-jwks': () => partnerKeys.ready() } },
    (routes) => {
      routes.get(
        '/parcels',
        parcelsRoute({
          audit,
          verifier,
          retailIssuer: config.IDP_ISSUER,
          lookup: createParcelLookup(config.SHIPPING_API_URL, toOwner),
        }),
      )
    },
  )
  return { app, audit, close: () => toOwner.close() }
}
