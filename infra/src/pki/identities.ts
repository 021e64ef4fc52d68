import {
  CALL_GRAPH,
  INFRASTRUCTURE,
  serviceByName,
  SERVICES,
  TRUST_DOMAINS,
  workloadId,
  type TrustDomain,
} from '@mythical/stack'

/** Every workload certificate carries the loopback addresses: local listeners bind to them. */
export const LOOPBACK_IP_ADDRESSES: readonly string[] = ['127.0.0.1', '::1']

/**
 * SPIFFE trust domain name of a manifest trust domain (`retail` → `retail.mythical.example`), read
 * off `workloadId` so the two cannot disagree.
 */
export const spiffeTrustDomain = (domain: TrustDomain): string =>
  new URL(workloadId(domain, 'any')).hostname

/** One holder of a workload certificate: a service, an infrastructure server or a stack probe. */
export interface PkiIdentity {
  /** Folder name under `.stack/secrets/` (and compose service name for services and servers). */
  readonly name: string
  readonly domain: TrustDomain
  /** URI SAN of its certificate. */
  readonly spiffeId: string
  /** DNS SANs: `localhost` and its compose service name. */
  readonly dnsNames: readonly string[]
  /** Whether it gets JWS/JWE keys: services do; servers and probes only speak TLS. */
  readonly hasJwks: boolean
}

/**
 * Secrets folder of the operator client identity of a trust domain
 * (`spiffe://<domain>.mythical.example/stack-probe`), used by health probes and tests.
 */
export const stackProbeName = (domain: TrustDomain): string => `stack-probe-${domain}`

const identity = (
  name: string,
  domain: TrustDomain,
  workload: string,
  hasJwks: boolean,
): PkiIdentity => ({
  name,
  domain,
  spiffeId: workloadId(domain, workload),
  dnsNames: ['localhost', name],
  hasJwks,
})

/**
 * Secrets folder of the client certificate `caller` holds from `callee`'s trust domain, inside the
 * caller's own folder: `order-fulfillment-api/cardvault`.
 */
export const foreignClientName = (caller: string, domain: TrustDomain): string =>
  `${caller}/${domain}`

/**
 * Whether the identity's secrets folder is its own (a compose volume), not a subfolder of
 * another identity's (a foreign client certificate lives inside its holder's folder).
 */
export const hasOwnSecretsFolder = (identity: PkiIdentity): boolean => !identity.name.includes('/')

/**
 * Client certificates a third party's CA issues to the workloads it registered: every caller of a
 * `signed-body` hop (the card vault) gets `spiffe://<callee domain>.mythical.example/<caller>` in
 * `secrets/<caller>/<callee domain>/`. A client certificate only: no DNS name besides localhost.
 */
function foreignClientIdentities(): PkiIdentity[] {
  return CALL_GRAPH.filter((call) => call.credential === 'signed-body').map((call) => {
    const domain = serviceByName(call.callee).domain
    return {
      name: foreignClientName(call.caller, domain),
      domain,
      spiffeId: workloadId(domain, call.caller),
      dnsNames: ['localhost'],
      hasJwks: false,
    }
  })
}

/**
 * Everything the dev PKI issues a certificate to, read off the stack manifest: every service of
 * `SERVICES`, the PostgreSQL and RabbitMQ servers, one stack probe per trust domain, and the
 * client certificates of a third party's registered callers (see `foreignClientIdentities`).
 *
 * @example
 * ```ts
 * pkiIdentities().find((i) => i.name === 'orders-api')?.spiffeId
 * // 'spiffe://retail.mythical.example/orders-api'
 * ```
 */
export function pkiIdentities(): PkiIdentity[] {
  return [
    ...SERVICES.map((service) => identity(service.name, service.domain, service.name, true)),
    identity('postgres', INFRASTRUCTURE.postgres.domain, 'postgres', false),
    identity('rabbitmq', INFRASTRUCTURE.rabbitmq.domain, 'rabbitmq', false),
    ...TRUST_DOMAINS.map((domain) =>
      identity(stackProbeName(domain), domain, 'stack-probe', false),
    ),
    ...foreignClientIdentities(),
  ]
}
