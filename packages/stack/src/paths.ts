/**
 * Where the running stack keeps its state. Everything lives under `.stack/`
 * (gitignored); nothing here is ever committed.
 *
 * `.stack/pki/<domain>/ca.pem`             public CA certificate of a trust domain
 * `.stack/pki/<domain>/private/ca-key.pem` CA key: read by the PKI tool only, never by a service
 * `.stack/pki/<domain>/jwks/<service>.json` a service's public JWKS (signature + encryption keys)
 * `.stack/secrets/<service>/`              that service's own secrets, see SECRET_FILES
 *
 * `MYTHICAL_STACK_DIR` moves the state folder of the default root elsewhere: `pnpm test:compose`
 * exports a compose stack's public PKI, test-caller secrets, description and logs into
 * `.stack/compose/` and points the e2e suite there (infra/src/compose/compose-test.ts).
 */
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { stackDirOverride } from './config.ts'
import type { TrustDomain } from './manifest.ts'

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/**
 * @param stateDir the state folder; defaults to `MYTHICAL_STACK_DIR` for the default root, else
 * `<root>/.stack`
 */
export function stackPaths(
  root?: string,
  stateDir = root === undefined ? stackDirOverride : undefined,
) {
  root ??= REPO_ROOT
  const stack = stateDir ?? join(root, '.stack')
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
