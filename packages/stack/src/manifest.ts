/**
 * The stack manifest: every part of SCENARIO.md, once. The local runner (`pnpm start` /
 * `stack:up`), the PKI, the PostgreSQL and RabbitMQ set-up, the generated docker-compose.yml and
 * the services themselves all read it, so they cannot drift. Which service calls which is the
 * call graph (`call-graph.ts`); a service's `dependsOn` is derived from it.
 */
import { startDependenciesOf } from './call-graph.ts'

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
  /**
   * Services (its callees in the call graph) and infrastructure that must be healthy before this
   * one starts.
   */
  readonly dependsOn: readonly (string | Infrastructure)[]
  /** The system-of-record database this service owns (its own login role). */
  readonly database?: string
  /** Fixed settings of this demo stack, passed to the service as environment variables. */
  readonly settings?: Readonly<Record<string, string>>
  /**
   * A build the service needs before it can start (the web's Next.js pages): the package script
   * run in `folder`, and the file it writes last. The runner rebuilds when that file is missing
   * or older than any source file in `folder`.
   */
  readonly build?: { readonly folder: string; readonly script: string; readonly output: string }
  /** Broker rights: exchanges it may publish to, queues it may consume from. */
  readonly broker?: {
    readonly publishes?: readonly string[]
    readonly consumes?: readonly string[]
  }
}

/** A manifest entry as written: the services it depends on come from the call graph. */
interface ServiceSpec extends Omit<ServiceDefinition, 'dependsOn'> {
  readonly infrastructure?: readonly Infrastructure[]
}

const svc = (name: string) => `services/${name}/src/main.ts`

const SERVICE_SPECS: readonly ServiceSpec[] = [
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
    infrastructure: ['postgres'],
    database: 'identity',
  },
  {
    name: 'gateway',
    domain: 'retail',
    exposure: 'edge',
    port: 8443,
    role: 'internet-facing API edge: token validation and API policies',
    entry: svc('gateway'),
  },
  {
    name: 'my-shopping-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7101,
    role: 'experience API for the shopper app',
    entry: svc('my-shopping-api'),
  },
  {
    name: 'shop-assistant-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7102,
    role: 'experience API for the sales-associate app (MFA only)',
    entry: svc('shop-assistant-api'),
  },
  {
    name: 'order-fulfillment-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7103,
    role: 'process API: orchestrates orders and tokenization, emits order.placed',
    entry: svc('order-fulfillment-api'),
    infrastructure: ['rabbitmq', 'postgres'],
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
    infrastructure: ['postgres'],
    database: 'orders',
  },
  {
    name: 'customers-api',
    domain: 'retail',
    exposure: 'internal',
    port: 7105,
    role: 'system API over customers and loyalty; consumes order.placed',
    entry: svc('customers-api'),
    // Katie's and Bob's profiles and loyalty history, like the IdP's demo accounts.
    settings: { SEED_DEMO_DATA: 'true' },
    infrastructure: ['postgres', 'rabbitmq'],
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
    infrastructure: ['postgres', 'rabbitmq'],
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
    infrastructure: ['postgres', 'rabbitmq'],
    database: 'recommendations',
    broker: { consumes: ['recommendations-api.order-placed'] },
  },
  {
    name: 'web',
    domain: 'retail',
    exposure: 'edge',
    port: 3000,
    role: 'shopper and sales-associate pages, server-side BFF',
    // Top-level folder: the Next.js app and its BFF server.
    entry: 'web/src/main.ts',
    infrastructure: ['postgres'],
    // BFF sessions: tokens sealed at rest, only the session id's hash in clear.
    database: 'web',
    // The pages are served from a production build (`next build` writes BUILD_ID last).
    build: { folder: 'web', script: 'build', output: 'web/.next/BUILD_ID' },
  },
  {
    name: 'trace-store',
    domain: 'retail',
    exposure: 'internal',
    port: 7110,
    role: 'OpenTelemetry trace store of the trust trace: OTLP ingest, per-user queries',
    entry: svc('trace-store'),
    infrastructure: ['postgres'],
    // Append-only spans; each user reads her own (row-level security on enduser.id).
    database: 'traces',
  },
  // --- trust domain cardvault (third party) ---
  {
    name: 'tokenization-api',
    domain: 'cardvault',
    exposure: 'internal',
    port: 7201,
    role: 'exchanges card numbers for format-preserving tokens',
    entry: svc('tokenization-api'),
    infrastructure: ['postgres'],
    // The vault's own store (tokens, one-time request ids), its own role and cardvault certificate.
    database: 'vault',
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
    infrastructure: ['postgres'],
    // oidc-provider state (client assertion and subject-token jti replay, tokens) survives restarts.
    database: 'partner_identity',
  },
  {
    name: 'shipping-api',
    domain: 'shipping',
    exposure: 'internal',
    port: 7301,
    role: 'consumes order.placed, creates parcels',
    entry: svc('shipping-api'),
    infrastructure: ['postgres', 'rabbitmq'],
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
  },
]

export const SERVICES: readonly ServiceDefinition[] = SERVICE_SPECS.map(
  ({ infrastructure = [], ...service }) => ({
    ...service,
    dependsOn: [...startDependenciesOf(service.name), ...infrastructure],
  }),
)

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

/**
 * A consumer queue's own dead-letter exchange (fanout into `<queue>.dlq`): the consumer republishes
 * a message it refuses there, with the reason in a header. Only that consumer may write to it.
 *
 * @example deadLetterExchangeOf('customers-api.order-placed') // 'customers-api.order-placed.dlx'
 */
export const deadLetterExchangeOf = (queue: string): string => `${queue}.dlx`

export function serviceByName(name: string): ServiceDefinition {
  const found = SERVICES.find((s) => s.name === name)
  if (!found) throw new TypeError(`unknown service "${name}"`)
  return found
}
