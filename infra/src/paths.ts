/**
 * Where the running stack keeps its state. Everything lives under `.stack/`
 * (gitignored); nothing here is ever committed.
 */
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import type { TrustDomain } from './stack.ts'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))

export function stackPaths(root: string = REPO_ROOT) {
  const stack = join(root, '.stack')
  return {
    root,
    stack,
    /** Public CA certificate of a trust domain (what peers pin). */
    caCert: (domain: TrustDomain) => join(stack, 'pki', domain, 'ca.pem'),
    /** CA private key: only the PKI tool reads it; never mounted into a service. */
    caKey: (domain: TrustDomain) => join(stack, 'pki', domain, 'private', 'ca-key.pem'),
    /** One folder per service: tls.key, tls.crt, ca.pem, keys, db and broker credentials. */
    secrets: (service: string) => join(stack, 'secrets', service),
    postgres: join(stack, 'postgres'),
    rabbitmq: join(stack, 'rabbitmq'),
    logs: join(stack, 'logs'),
    run: join(stack, 'run'),
    manifest: join(stack, 'stack.json'),
  }
}
export type StackPaths = ReturnType<typeof stackPaths>
