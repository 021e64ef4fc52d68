import { permittedDnsSubtrees, permittedIpSubtrees } from './lib/name-constraints.ts'
import { parseCertificate } from './lib/parse-certificate.ts'

/**
 * The DNS names a CA certificate may sign server certificates for (the permitted dNSName subtrees
 * of its `nameConstraints`), or `undefined` for an unconstrained CA.
 *
 * @example
 * ```ts
 * const ca = await createCertificateAuthority({ name: 'retail CA', trustDomain: 'retail.mythical.example' })
 * permittedDnsNames(ca.certPem) // ['localhost']
 * ```
 *
 * @throws `InvalidCertificate` when the PEM does not parse.
 */
export function permittedDnsNames(certPem: string): string[] | undefined {
  return permittedDnsSubtrees(parseCertificate(certPem))
}

/**
 * The IP addresses (CIDR for a range) a CA certificate may sign certificates for, or `undefined`
 * for an unconstrained CA.
 *
 * @example
 * ```ts
 * permittedIpAddresses(ca.certPem) // ['127.0.0.1', '::1']
 * ```
 *
 * @throws `InvalidCertificate` when the PEM does not parse.
 */
export function permittedIpAddresses(certPem: string): string[] | undefined {
  return permittedIpSubtrees(parseCertificate(certPem))
}
