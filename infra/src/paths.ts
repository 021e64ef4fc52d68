/**
 * Where the running stack keeps its state. Everything lives under `.stack/`
 * (gitignored); nothing here is ever committed.
 *
 * `.stack/pki/<domain>/ca.pem`             public CA certificate of a trust domain
 * `.stack/pki/<domain>/private/ca-key.pem` CA key: read by the PKI tool only, never by a service
 * `.stack/pki/<domain>/jwks/<service>.json` a service's public JWKS (signature + encryption keys)
 * `.stack/secrets/<service>/`              that service's own secrets, see SECRET_FILES
 */
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import type { TrustDomain } from './stack.ts'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

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
   * `{ host, port, database, user }` of its own PostgreSQL role. No password: the role logs in
   * with the workload certificate, its subject DN mapped to exactly this role (pg_ident).
   */
  database: 'database.json',
  /** `{ host, port, vhost, username, password }` of its own RabbitMQ user. */
  amqp: 'amqp.json',
} as const

export function stackPaths(root: string = REPO_ROOT) {
  const stack = join(root, '.stack')
  return {
    root,
    stack,
    pki: join(stack, 'pki'),
    caCert: (domain: TrustDomain) => join(stack, 'pki', domain, 'ca.pem'),
    caKey: (domain: TrustDomain) => join(stack, 'pki', domain, 'private', 'ca-key.pem'),
    publicJwks: (domain: TrustDomain, service: string) =>
      join(stack, 'pki', domain, 'jwks', `${service}.json`),
    secrets: (service: string) => join(stack, 'secrets', service),
    postgres: join(stack, 'postgres'),
    rabbitmq: join(stack, 'rabbitmq'),
    logs: join(stack, 'logs'),
    run: join(stack, 'run'),
    manifest: join(stack, 'stack.json'),
  }
}
export type StackPaths = ReturnType<typeof stackPaths>
