import { permittedUriHosts } from './lib/name-constraints.ts'
import { parseCertificate } from './lib/parse-certificate.ts'

/**
 * The trust domains a CA certificate may issue SPIFFE IDs for (the permitted URI hosts of its
 * `nameConstraints`), or `undefined` for an unconstrained CA.
 *
 * @example
 * ```ts
 * const ca = await createCertificateAuthority({ name: 'retail CA', trustDomain: 'retail.mythical.example' })
 * permittedTrustDomains(ca.certPem) // ['retail.mythical.example']
 * ```
 *
 * @throws `InvalidCertificate` when the PEM does not parse.
 */
export function permittedTrustDomains(certPem: string): string[] | undefined {
  return permittedUriHosts(parseCertificate(certPem))
}
