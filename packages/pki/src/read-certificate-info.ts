import { isIP } from 'node:net'
import { parseCertificate } from './lib/parse-certificate.ts'
import { x509 } from './lib/x509.ts'

/** What {@link readCertificateInfo} reports about a certificate. */
export interface CertificateInfo {
  /** Subject distinguished name, e.g. `O=retail.mythical.example, CN=orders-api`. */
  subject: string
  /** Issuer distinguished name, e.g. `CN=Mythical retail CA`. */
  issuer: string
  /** URI SANs with the `spiffe:` scheme (a workload certificate has exactly one). */
  spiffeIds: string[]
  /** DNS SANs. */
  dnsNames: string[]
  /** IP SANs, in Node's notation (`127.0.0.1`, `::1`). */
  ipAddresses: string[]
  notBefore: Date
  notAfter: Date
  /** `basicConstraints` CA:true. */
  isCa: boolean
}

/**
 * Reads the identity-relevant fields of a PEM certificate. It does not verify anything: use it to
 * inspect what a certificate claims (tests, renewal decisions, the trust trace), and let the TLS
 * stack decide whether to trust it.
 *
 * @example
 * ```ts
 * const { spiffeIds, notAfter } = readCertificateInfo(readFileSync('tls.crt', 'utf8'))
 * ```
 *
 * @param certPem One PEM certificate.
 * @throws `InvalidCertificate` when the PEM does not parse.
 */
export function readCertificateInfo(certPem: string): CertificateInfo {
  const cert = parseCertificate(certPem)
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? []
  const valuesOf = (type: string) => names.filter((n) => n.type === type).map((n) => n.value)
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    spiffeIds: valuesOf('url').filter((uri) => uri.startsWith('spiffe://')),
    dnsNames: valuesOf('dns'),
    ipAddresses: valuesOf('ip').map(normalizeIp),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca === true,
  }
}

/** The parser spells IPv6 out in full (`0:0:0:0:0:0:0:1`); compress it the way URLs do (`::1`). */
function normalizeIp(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip
}
