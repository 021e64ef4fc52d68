/**
 * The secrets each service holds (TB13): fixed file names in its own folder, nothing else.
 */
import type { ServiceDefinition } from './manifest.ts'

/** File names inside `.stack/secrets/<service>/` (and `/run/secrets/` in compose). */
export const SECRET_FILES = {
  /** Workload certificate (PEM), URI SAN = the service's SPIFFE id. */
  tlsCert: 'tls.crt',
  /** Its private key (PKCS#8 PEM). */
  tlsKey: 'tls.key',
  /** CA certificate of the service's own trust domain. */
  ca: 'ca.pem',
  /** Private ES256 JWK (`kid`, `alg`, `use: "sig"`) for JWS/JWT the service signs. */
  signingKey: 'signing-key.jwk.json',
  /** Private P-256 JWK (`alg: "ECDH-ES+A256KW"`, `use: "enc"`) for JWE addressed to the service. */
  encryptionKey: 'encryption-key.jwk.json',
  /**
   * 256-bit `oct` JWK (`kid` = version) the service derives its data-protection keys from with
   * HKDF (cookie/CSRF MACs, secrets sealed at rest, pairwise subjects). Never published, and
   * independent of the key pairs so that rotating those breaks no stored data.
   */
  dataKey: 'data-key.jwk.json',
  /**
   * The shipping partner's pairwise-subject key (an `oct` JWK like the data key), one key held by
   * every partner workload that names customers: see {@link SHARED_SECRETS}.
   */
  pairwiseSubjectKey: 'pairwise-subject-key.jwk.json',
  /**
   * `{ host, port, database, user }` of its own PostgreSQL role. No password: the role logs in
   * with the workload certificate, its subject DN mapped to exactly this role (pg_ident).
   */
  database: 'database.json',
  /** `{ host, port, vhost, username, password }` of its own RabbitMQ user. */
  amqp: 'amqp.json',
} as const

/**
 * Secrets one trust domain shares between named workloads: the same key in each holder's own
 * folder, nobody else's. partner-idp issues the pairwise `sub` of a federated customer and
 * shipping-api files her parcels under it, so both derive it with one key
 * (docs/patterns/federation-partner-idp.md).
 */
export const SHARED_SECRETS: readonly {
  readonly file: string
  readonly holders: readonly string[]
}[] = [{ file: SECRET_FILES.pairwiseSubjectKey, holders: ['partner-idp', 'shipping-api'] }]

/** The shared secrets `service` holds. */
export const sharedSecretsOf = (service: string): readonly string[] =>
  SHARED_SECRETS.filter((secret) => secret.holders.includes(service)).map((secret) => secret.file)

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
    ...sharedSecretsOf(service.name),
  ]
}
