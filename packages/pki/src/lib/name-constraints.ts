import { AsnConvert } from '@peculiar/asn1-schema'
import {
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  id_ce_nameConstraints,
  Name,
  NameConstraints,
} from '@peculiar/asn1-x509'
import { BlockList, isIP } from 'node:net'
import { x509 } from './x509.ts'

/**
 * The subject DN prefix every leaf of `trustDomain`'s CA carries: `O=<trust domain>`. Leaves put
 * it first (`O=…, CN=<workload>`) because a directoryName constraint matches RDN prefixes.
 */
export const trustDomainSubject = (trustDomain: string): x509.Name =>
  new x509.Name([{ O: [trustDomain] }])

/** The host names a CA may vouch for in server certificates (its leaves' DNS and IP SANs). */
export interface PermittedHosts {
  readonly dnsNames: readonly string[]
  readonly ipAddresses: readonly string[]
}

/**
 * A critical `nameConstraints` extension with these permitted subtrees:
 *
 * - URIs whose host is `trustDomain` (RFC 5280 §4.2.1.10: a URI constraint without a leading dot
 *   names exactly one host). A SPIFFE ID `spiffe://<trust-domain>/<path>` has the trust domain as
 *   its host, so the CA cannot vouch for another domain's workloads, even where several domains'
 *   CAs sit in one trust bundle.
 * - The directoryName `O=<trustDomain>`, so every subject DN the CA signs starts with its own
 *   domain. Peers that map the subject DN itself to an identity (PostgreSQL's `clientname=DN`)
 *   would otherwise take `O=retail…, CN=orders-api` from the shipping CA for retail's orders-api.
 * - The DNS names and IP addresses of `hosts` (each IP as a single-address subtree, `/32` or
 *   `/128`): a CA whose key leaks, or that is trusted for TLS beyond the stack, cannot sign a
 *   server certificate for `evil.example` or any address a browser or peer would accept. A DNS
 *   subtree `localhost` also covers names below it (`*.localhost`), never anything else.
 */
export function spiffeNameConstraints(trustDomain: string, hosts: PermittedHosts): x509.Extension {
  const directoryName = AsnConvert.parse(trustDomainSubject(trustDomain).toArrayBuffer(), Name)
  const subtree = (base: ConstructorParameters<typeof GeneralName>[0]) =>
    new GeneralSubtree({ base: new GeneralName(base) })
  const constraints = new NameConstraints({
    permittedSubtrees: new GeneralSubtrees([
      subtree({ uniformResourceIdentifier: trustDomain }),
      subtree({ directoryName }),
      ...hosts.dnsNames.map((dNSName) => subtree({ dNSName })),
      ...hosts.ipAddresses.map((ip) =>
        subtree({ iPAddress: `${ip}/${isIP(ip) === 6 ? 128 : 32}` }),
      ),
    ]),
  })
  return new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(constraints))
}

/** Permitted subtrees of a CA's `nameConstraints`, or `undefined` when it has none. */
function permittedSubtrees(cert: x509.X509Certificate): GeneralSubtree[] | undefined {
  const extension = cert.getExtension(id_ce_nameConstraints)
  if (!extension) return undefined
  const constraints = AsnConvert.parse(extension.value, NameConstraints)
  return Array.from(constraints.permittedSubtrees ?? [])
}

/** Permitted URI hosts of a CA's `nameConstraints`, or `undefined` when it has none. */
export function permittedUriHosts(cert: x509.X509Certificate): string[] | undefined {
  return permittedSubtrees(cert)
    ?.map((subtree) => subtree.base.uniformResourceIdentifier)
    .filter((host): host is string => typeof host === 'string')
}

/** Permitted directoryNames of a CA's `nameConstraints`, or `undefined` when it has none. */
export function permittedDirectoryNames(cert: x509.X509Certificate): x509.Name[] | undefined {
  return permittedSubtrees(cert)
    ?.map((subtree) => subtree.base.directoryName)
    .filter((name): name is Name => name !== undefined)
    .map((name) => new x509.Name(AsnConvert.serialize(name)))
}

/** Permitted DNS names of a CA's `nameConstraints`, or `undefined` when it has none. */
export function permittedDnsSubtrees(cert: x509.X509Certificate): string[] | undefined {
  return permittedSubtrees(cert)
    ?.map((subtree) => subtree.base.dNSName)
    .filter((name): name is string => typeof name === 'string')
}

/**
 * Permitted IP subtrees of a CA's `nameConstraints` (a single address as itself, a wider range as
 * CIDR), or `undefined` when it has none.
 */
export function permittedIpSubtrees(cert: x509.X509Certificate): string[] | undefined {
  return permittedSubtrees(cert)
    ?.map((subtree) => subtree.base.iPAddress)
    .filter((ip): ip is string => typeof ip === 'string')
    .map((cidr) => cidr.replace(/\/(32|128)$/, ''))
}

/** Whether a DNS name satisfies a permitted DNS subtree: the name itself or a name below it. */
export const dnsNamePermitted = (name: string, permitted: string): boolean => {
  const host = name.toLowerCase()
  const base = permitted.toLowerCase().replace(/^\./, '')
  return host === base || host.endsWith(`.${base}`)
}

/** Whether an IP address lies in a permitted IP subtree (an address, or CIDR). */
export const ipPermitted = (ip: string, permitted: string): boolean => {
  const [base = '', prefix] = permitted.split('/')
  const family = isIP(base) === 6 ? 'ipv6' : 'ipv4'
  const range = new BlockList()
  range.addSubnet(
    base,
    prefix === undefined ? (family === 'ipv6' ? 128 : 32) : Number(prefix),
    family,
  )
  return isIP(ip) !== 0 && range.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4')
}

/** Whether a URI host satisfies a permitted URI subtree (`.example` means any subdomain). */
export const hostPermitted = (host: string, permitted: string): boolean =>
  permitted.startsWith('.') ? host.endsWith(permitted) : host === permitted

/**
 * Whether a subject DN lies in a permitted directoryName subtree: its leading RDNs equal the
 * subtree's RDNs (RFC 5280 §7.1). Values compare exactly, stricter than OpenSSL's case folding,
 * so nothing refused by peers is ever issued.
 */
export function subjectPermitted(subject: x509.Name, permitted: x509.Name): boolean {
  const subjectRdns = subject.toJSON()
  return permitted
    .toJSON()
    .every((rdn, index) => JSON.stringify(rdn) === JSON.stringify(subjectRdns[index]))
}
