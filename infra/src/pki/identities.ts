import {
  INFRASTRUCTURE,
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
 * Everything the dev PKI issues a certificate to, read off the stack manifest: every service of
 * `SERVICES`, the PostgreSQL and RabbitMQ servers, and one stack probe per trust domain.
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
  ]
}
