import { AsnConvert } from '@peculiar/asn1-schema'
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  NameConstraints,
} from '@peculiar/asn1-x509'
import { x509 } from './x509.ts'

/**
 * A critical `nameConstraints` extension permitting only URIs whose host is `trustDomain`
 * (RFC 5280 §4.2.1.10: a URI constraint without a leading dot names exactly one host). A SPIFFE ID
 * `spiffe://<trust-domain>/<path>` has the trust domain as its host, so the CA cannot vouch for
 * another domain's workloads, even where several domains' CAs sit in one trust bundle. DNS and IP
 * names stay unconstrained (no subtree of those types is listed).
 */
export function spiffeNameConstraints(trustDomain: string): x509.Extension {
  const constraints = new NameConstraints({
    permittedSubtrees: new GeneralSubtrees([
      new GeneralSubtree({ base: new GeneralName({ uniformResourceIdentifier: trustDomain }) }),
    ]),
  })
  return new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(constraints))
}

/** Permitted URI hosts of a CA's `nameConstraints`, or `undefined` when it has none. */
export function permittedUriHosts(cert: x509.X509Certificate): string[] | undefined {
  const extension = cert.getExtension(id_ce_nameConstraints)
  if (!extension) return undefined
  const constraints = AsnConvert.parse(extension.value, NameConstraints)
  return Array.from(constraints.permittedSubtrees ?? [])
    .map((subtree) => subtree.base.uniformResourceIdentifier)
    .filter((host): host is string => typeof host === 'string')
}

/** Whether a URI host satisfies a permitted URI subtree (`.example` means any subdomain). */
export const hostPermitted = (host: string, permitted: string): boolean =>
  permitted.startsWith('.') ? host.endsWith(permitted) : host === permitted
