/**
 * The stack paths as a compose job sees them: the public PKI and the secrets folders are the
 * volumes mounted under `/export` (`pki/`, `secrets/<identity>/`), everything else (the
 * repository, migrations) is the image's. Lets the project's own provisioning code, written
 * against `StackPaths`, run unchanged against the volumes.
 */
import { join } from 'node:path'
import { stackPaths, type StackPaths, type TrustDomain } from '@mythical/stack'

/** @example exportedPaths('/export').secrets('orders-api') // '/export/secrets/orders-api' */
export function exportedPaths(exportDir: string, root?: string): StackPaths {
  const pki = join(exportDir, 'pki')
  return {
    ...stackPaths(root),
    pki,
    caCert: (domain: TrustDomain) => join(pki, domain, 'ca.pem'),
    // CA keys are never exported: this path exists in no volume, so nothing can read one.
    caKey: (domain: TrustDomain) => join(pki, domain, 'private', 'ca-key.pem'),
    publicJwks: (domain: TrustDomain, service: string) =>
      join(pki, domain, 'jwks', `${service}.json`),
    secrets: (identity: string) => join(exportDir, 'secrets', identity),
  }
}
