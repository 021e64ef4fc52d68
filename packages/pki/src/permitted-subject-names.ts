import { permittedDirectoryNames } from './lib/name-constraints.ts'
import { parseCertificate } from './lib/parse-certificate.ts'

/**
 * The subject DN subtrees a CA certificate may sign (the permitted directoryNames of its
 * `nameConstraints`, RFC 4514 strings), or `undefined` for an unconstrained CA.
 *
 * @example
 * ```ts
 * const ca = await createCertificateAuthority({ name: 'retail CA', trustDomain: 'retail.mythical.example' })
 * permittedSubjectNames(ca.certPem) // ['O=retail.mythical.example']
 * ```
 *
 * @throws `InvalidCertificate` when the PEM does not parse.
 */
export function permittedSubjectNames(certPem: string): string[] | undefined {
  return permittedDirectoryNames(parseCertificate(certPem))?.map((name) => name.toString())
}
