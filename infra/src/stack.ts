/**
 * The stack manifest: every part of SCENARIO.md, once. The local runner
 * (`pnpm start` / `stack:up`), the PKI, the PostgreSQL and RabbitMQ set-up and
 * the generated docker-compose.yml all read this file, so they cannot drift.
 */
import { SECRET_FILES } from './paths.ts'

export type TrustDomain = 'retail' | 'cardvault' | 'shipping'
export const TRUST_DOMAINS: readonly TrustDomain[] = ['retail', 'cardvault', 'shipping']

/** Edge services are reachable from the host/browser; internal ones only with a client certificate. */
export type Exposure = 'edge' | 'internal'

export type Infrastructure = 'postgres' | 'rabbitmq'

export interface ServiceDefinition {
  readonly name: string
  readonly domain: TrustDomain
  readonly exposure: Exposure
  /** Fixed port, on 127.0.0.1 locally and inside its container in compose. */
  readonly port: number
  /**
   * Second listener that demands a client certificate (RFC 8705 `mtls_endpoint_aliases`), for
   * edge servers that internal workloads also call with their workload certificate.
   */
  readonly mtlsPort?: number
  readonly role: string
  /** Repository-relative entry point, run as TypeScript source by Node 24. */
  readonly entry: string
  /** Services and infrastructure that must be healthy before this one starts. */
  readonly dependsOn: readonly (string | Infrastructure)[]
  /** The system-of-record database this service owns (its own login role). */
  readonly database?: string
  /** Fixed settings of this demo stack, passed to the service as environment variables. */
  readonly settings?: Readonly<Record<string, string>>
  /** Broker rights: exchanges it may publish to, queues it may consume from. */
  readonly broker?: {
    readonly publishes?: readonly string[]
    readonly consumes?: readonly string[]
  }
}

const svc = (name: string) => `services/${name}/src/main.ts`

export const SERVICES: readonly ServiceDefinition[] = [
  // --- trust domain retail (Mythical Retail) ---
  {
    name: 'idp',
    domain: 'retail',
    exposure: 'edge',
    port: 4000,
    mtlsPort: 4001,
    // Katie, Bob and Sam exist only because the stack asks for them (never in production).
    settings: { SEED_DEMO_DATA: 'true' },
    role: 'OpenID Connect provider, identity store, TOTP MFA',
    entry: svc('idp'),
    dependsOn: ['postgres'],
    database: 'identity',
  },
  {
    name: 'gateway',
    domain: 'retail',
    exposure: 'edge',
    port: 8443,
    role: 'internet-facing API edge: token validation and API policies',
    entry: svc('gateway'),
    dependsOn: ['idp', 'my-shopping-api', 'shop-assistant-api'],
  },
  {
    name: 'my-shopping-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7101,
    role: 'experience API for the shopper app',
    entry: svc('my-shopping-api'),
    dependsOn: ['idp', 'order-fulfillment-api', 'customers-api', 'recommendations-api'],
  },
  {
    name: 'shop-assistant-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7102,
    role: 'experience API for the sales-associate app (MFA only)',
    entry: svc('shop-assistant-api'),
    dependsOn: ['idp', 'customers-api'],
  },
  {
    name: 'order-fulfillment-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7103,
    role: 'process API: orchestrates orders and tokenization, emits order.placed',
    entry: svc('order-fulfillment-api'),
    dependsOn: ['idp', 'orders-api', 'tokenization-api', 'rabbitmq', 'postgres'],
    database: 'fulfillment',
    broker: { publishes: ['orders'] },
  },
  {
    name: 'orders-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7104,
    role: 'system API over the orders database',
    entry: svc('orders-api'),
    dependsOn: ['idp', 'postgres'],
    database: 'orders',
  },
  {
    name: 'customers-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7105,
    role: 'system API over customers and loyalty; consumes order.placed',
    entry: svc('customers-api'),
    dependsOn: ['idp', 'postgres', 'rabbitmq'],
    database: 'customers',
    broker: { consumes: ['customers-api.order-placed'] },
  },
  {
    name: 'payments-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7106,
    role: 'consumes order.placed, settles the payment with the card token',
    entry: svc('payments-api'),
    dependsOn: ['idp', 'postgres', 'rabbitmq'],
    database: 'payments',
    broker: { consumes: ['payments-api.order-placed'] },
  },
  {
    name: 'recommendations-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7107,
    role: 'consumes order.placed, serves recommendations',
    entry: svc('recommendations-api'),
    dependsOn: ['idp', 'postgres', 'rabbitmq'],
    database: 'recommendations',
    broker: { consumes: ['recommendations-api.order-placed'] },
  },
  {
    name: 'web',
    domain: 'retail',
    exposure: 'edge',
    port: 3000,
    role: 'shopper and sales-associate pages, server-side BFF',
    entry: svc('web'),
    dependsOn: ['idp', 'gateway', 'partner-idp', 'order-tracking-api'],
  },
  // --- trust domain cardvault (third party) ---
  {
    name: 'tokenization-api',
    domain: 'cardvault',
    exposure: 'internal',
    port: 7201,
    role: 'exchanges card numbers for format-preserving tokens',
    entry: svc('tokenization-api'),
    dependsOn: [],
  },
  // --- trust domain shipping (partner) ---
  {
    name: 'partner-idp',
    domain: 'shipping',
    exposure: 'edge',
    port: 5000,
    mtlsPort: 5001,
    role: "partner's OpenID Connect provider, federated with the retail IdP",
    entry: svc('partner-idp'),
    dependsOn: ['idp'],
  },
  {
    name: 'shipping-api',
    domain: 'shipping',
    exposure: 'internal',
    port: 7301,
    role: 'consumes order.placed, creates parcels',
    entry: svc('shipping-api'),
    dependsOn: ['postgres', 'rabbitmq'],
    database: 'shipping',
    broker: { consumes: ['shipping-api.order-placed'] },
  },
  {
    name: 'order-tracking-api',
    domain: 'shipping',
    exposure: 'edge',
    port: 5443,
    role: 'public parcel-tracking API (partner tokens only)',
    entry: svc('order-tracking-api'),
    dependsOn: ['partner-idp', 'shipping-api'],
  },
]

/** Dedicated infrastructure instances started by the local runner (own ports, data under .stack/). */
export const INFRASTRUCTURE = {
  postgres: { port: 55432, domain: 'retail' as TrustDomain },
  rabbitmq: { port: 56710, distPort: 56720, vhost: 'mythical', domain: 'retail' as TrustDomain },
} as const

/**
 * Broker topology: one topic exchange per event stream, one queue per consumer,
 * each queue dead-lettering to its own `<queue>.dlq` through the `dead-letter` exchange.
 */
export const BROKER_TOPOLOGY = {
  exchanges: [{ name: 'orders', type: 'topic' }],
  deadLetterExchange: 'dead-letter',
  queues: [
    { name: 'customers-api.order-placed', exchange: 'orders', routingKey: 'order.placed' },
    { name: 'payments-api.order-placed', exchange: 'orders', routingKey: 'order.placed' },
    { name: 'recommendations-api.order-placed', exchange: 'orders', routingKey: 'order.placed' },
    { name: 'shipping-api.order-placed', exchange: 'orders', routingKey: 'order.placed' },
  ],
} as const

export const workloadId = (domain: TrustDomain, name: string): string =>
  `spiffe://${domain}.mythical.example/${name}`

export function serviceByName(name: string): ServiceDefinition {
  const found = SERVICES.find((s) => s.name === name)
  if (!found) throw new TypeError(`unknown service "${name}"`)
  return found
}

/**
 * The secrets a service holds, each a file of its own folder (`.stack/secrets/<name>/` locally,
 * `/run/secrets/` in compose): its workload certificate and key, its domain's CA, its JOSE keys
 * and root data key, and the credentials of its own database role and broker user when it has
 * them. Nothing else: no other service's material, no CA key.
 */
export function serviceSecrets(service: ServiceDefinition): readonly string[] {
  return [
    SECRET_FILES.tlsCert,
    SECRET_FILES.tlsKey,
    SECRET_FILES.ca,
    SECRET_FILES.signingKey,
    SECRET_FILES.encryptionKey,
    SECRET_FILES.dataKey,
    ...(service.database ? [SECRET_FILES.database] : []),
    ...(service.broker ? [SECRET_FILES.amqp] : []),
  ]
}

/**
 * OAuth 2.0 resource indicator (RFC 8707) of a service: every access token names exactly one of
 * these as its audience. Not a network location (that is `<NAME>_URL`), so it is the same locally
 * and in compose.
 */
export const resourceUri = (service: ServiceDefinition): string =>
  `https://${service.name}.${service.domain}.mythical.example`

/** Login role of a service in PostgreSQL and user in RabbitMQ: `orders-api` → `orders_api`. */
export const principalName = (service: string): string => service.replaceAll('-', '_')
