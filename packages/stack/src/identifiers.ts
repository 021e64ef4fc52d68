/**
 * The names a service is known by, derived from the manifest so that certificates, tokens,
 * database roles and broker users agree on them.
 */
import { callersOf } from './call-graph.ts'
import { serviceByName, type ServiceDefinition, type TrustDomain } from './manifest.ts'

/**
 * SPIFFE-style workload id, the URI SAN of the service's certificate.
 *
 * @example workloadId('retail', 'orders-api') // 'spiffe://retail.mythical.example/orders-api'
 */
export const workloadId = (domain: TrustDomain, name: string): string =>
  `spiffe://${domain}.mythical.example/${name}`

/**
 * OAuth 2.0 resource indicator (RFC 8707) of a service: every access token names exactly one of
 * these as its audience. Not a network location (that is `<NAME>_URL`), so it is the same locally
 * and in compose.
 *
 * @example resourceUri(serviceByName('orders-api')) // 'https://orders-api.retail.mythical.example'
 */
export const resourceUri = (service: ServiceDefinition): string =>
  `https://${service.name}.${service.domain}.mythical.example`

/**
 * Login role of a service in PostgreSQL: `orders-api` → `orders_api`. (Its RabbitMQ user is its
 * `workloadId`, read by the broker off the certificate's URI SAN.)
 */
export const principalName = (service: string): string => service.replaceAll('-', '_')

/**
 * Workload ids a service's mTLS listener accepts: its callers in the call graph, nobody else.
 *
 * @example callerWorkloadIds('orders-api') // ['spiffe://retail.mythical.example/order-fulfillment-api']
 */
export const callerWorkloadIds = (service: string): readonly string[] =>
  callersOf(service).map((name) => workloadId(serviceByName(name).domain, name))
