import {
  CaExpired,
  CaKeyMismatch,
  NameConstraintViolation,
  NotACertificateAuthority,
} from './errors.ts'
import {
  exportPrivateKeyPem,
  generateKeyPair,
  importSigningKey,
  publicKeyDerOf,
  SIGNING_ALGORITHM,
} from './lib/keys.ts'
import { assertHostNames, DEFAULT_DNS_NAMES, DEFAULT_IP_ADDRESSES } from './lib/host-names.ts'
import {
  dnsNamePermitted,
  hostPermitted,
  ipPermitted,
  permittedDirectoryNames,
  permittedDnsSubtrees,
  permittedIpSubtrees,
  permittedUriHosts,
  subjectPermitted,
} from './lib/name-constraints.ts'
import { parseCertificate } from './lib/parse-certificate.ts'
import { randomSerialNumber } from './lib/serial-number.ts'
import { parseSpiffeId } from './lib/spiffe-id.ts'
import { assertDate, assertPositive, validityWindow } from './lib/validity.ts'
import { x509 } from './lib/x509.ts'
import type { KeyAndCertificate } from './types.ts'

/** Default workload certificate lifetime: 24 hours (short-lived, renewed by re-running the PKI). */
export const DEFAULT_WORKLOAD_VALIDITY_HOURS = 24
export { DEFAULT_DNS_NAMES, DEFAULT_IP_ADDRESSES }

const HOUR_MS = 60 * 60 * 1000
const MAX_COMMON_NAME = 64

/** Options of {@link issueWorkloadCertificate}. */
export interface WorkloadCertificateOptions {
  /** Workload identity, written as the URI SAN: `spiffe://<domain>.mythical.example/<service>`. */
  spiffeId: string
  /** DNS SANs. Default is {@link DEFAULT_DNS_NAMES}; pass `[]` for none. */
  dnsNames?: string[]
  /** IP SANs (IPv4 or IPv6). Default is {@link DEFAULT_IP_ADDRESSES}; pass `[]` for none. */
  ipAddresses?: string[]
  /** Lifetime in hours, capped at the CA's own expiry. Default is 24. */
  validityHours?: number
  /** Issuing time (tests control the clock with it). Default is the current time. */
  now?: Date
}

/**
 * Issues a short-lived X.509 workload certificate (an X509-SVID in SPIFFE terms) signed by `ca`:
 * a fresh ECDSA P-256 key, the SPIFFE ID as the URI SAN, subject `O=<trust domain>, CN=<last
 * path segment>` (CN left out beyond 64 characters), `basicConstraints` CA:false,
 * `keyUsage` digitalSignature, `extKeyUsage` serverAuth + clientAuth (the same certificate serves
 * and calls over mTLS), subject and authority key identifiers.
 *
 * @example
 * ```ts
 * const ca = await createCertificateAuthority({ name: 'Mythical retail CA' })
 * const { certPem, keyPem } = await issueWorkloadCertificate(ca, {
 *   spiffeId: 'spiffe://retail.mythical.example/orders-api',
 *   dnsNames: ['localhost', 'orders-api'],
 * })
 * https.createServer({ cert: certPem, key: keyPem, ca: ca.certPem, requestCert: true })
 * ```
 *
 * @param ca The issuing CA (certificate and private key, PEM).
 * @param opts Identity, SANs, lifetime and issuing time.
 * @returns The workload certificate and its PKCS#8 private key, PEM.
 * @throws `NotACertificateAuthority`, `CaKeyMismatch`, `CaExpired`, `InvalidCertificate`,
 *   `InvalidKey` for unusable CA material; `NameConstraintViolation` for a SPIFFE ID, subject DN,
 *   DNS name or IP address outside the CA's name constraints; `TypeError` for bad options.
 */
export async function issueWorkloadCertificate(
  ca: KeyAndCertificate,
  opts: WorkloadCertificateOptions,
): Promise<KeyAndCertificate> {
  const {
    spiffeId,
    dnsNames = [...DEFAULT_DNS_NAMES],
    ipAddresses = [...DEFAULT_IP_ADDRESSES],
    validityHours = DEFAULT_WORKLOAD_VALIDITY_HOURS,
    now = new Date(),
  } = opts
  const { trustDomain, segments } = parseSpiffeId(spiffeId)
  assertHostNames(dnsNames, ipAddresses)
  assertPositive(validityHours, 'validityHours')
  assertDate(now, 'now')

  const caCert = parseCertificate(ca.certPem)
  assertUsableCa(caCert, ca.keyPem, now)
  const permitted = permittedUriHosts(caCert)
  if (permitted?.length && !permitted.some((host) => hostPermitted(trustDomain, host))) {
    throw new NameConstraintViolation(
      `CA may only issue SPIFFE IDs of ${permitted.join(', ')}, not of ${trustDomain}`,
    )
  }
  const lastSegment = segments[segments.length - 1] ?? ''
  // O first, then CN: a directoryName constraint `O=<domain>` matches the leading RDNs.
  const subject = new x509.Name([
    { O: [trustDomain] },
    ...(lastSegment.length <= MAX_COMMON_NAME ? [{ CN: [lastSegment] }] : []),
  ])
  const permittedNames = permittedDirectoryNames(caCert)
  if (permittedNames?.length && !permittedNames.some((name) => subjectPermitted(subject, name))) {
    throw new NameConstraintViolation(
      `CA may only issue subjects under ${permittedNames.map(String).join(' | ')}; not ${subject.toString()}`,
    )
  }
  assertHostsPermitted(caCert, dnsNames, ipAddresses)
  const signingKey = await importSigningKey(ca.keyPem)

  const window = validityWindow(now, validityHours * HOUR_MS)
  // A leaf must not outlive its issuer: peers would reject it anyway once the CA expires.
  const notAfter = window.notAfter > caCert.notAfter ? caCert.notAfter : window.notAfter

  const keys = await generateKeyPair()
  const caKeyId = caCert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject,
    issuer: caCert.subjectName,
    notBefore: window.notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension(
        [
          { type: 'url', value: spiffeId },
          ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
          ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
        ],
        false,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      caKeyId
        ? new x509.AuthorityKeyIdentifierExtension(caKeyId)
        : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  })
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) }
}

/** Refuses DNS names and addresses the CA's constraints exclude: peers would reject the leaf. */
function assertHostsPermitted(
  caCert: x509.X509Certificate,
  dnsNames: readonly string[],
  ipAddresses: readonly string[],
): void {
  const dns = permittedDnsSubtrees(caCert)
  const outsideDns = dnsNames.find((name) => !dns?.some((base) => dnsNamePermitted(name, base)))
  if (dns?.length && outsideDns !== undefined) {
    throw new NameConstraintViolation(
      `CA may only issue DNS names ${dns.join(', ')}; not ${outsideDns}`,
    )
  }
  const ips = permittedIpSubtrees(caCert)
  const outsideIp = ipAddresses.find((ip) => !ips?.some((range) => ipPermitted(ip, range)))
  if (ips?.length && outsideIp !== undefined) {
    throw new NameConstraintViolation(
      `CA may only issue IP addresses ${ips.join(', ')}; not ${outsideIp}`,
    )
  }
}

/** Refuses CA material that would produce certificates no peer accepts. */
function assertUsableCa(caCert: x509.X509Certificate, caKeyPem: string, now: Date): void {
  if (caCert.getExtension(x509.BasicConstraintsExtension)?.ca !== true) {
    throw new NotACertificateAuthority('issuer certificate is not a CA (basicConstraints CA:false)')
  }
  const certKey = Buffer.from(caCert.publicKey.rawData)
  if (!certKey.equals(publicKeyDerOf(caKeyPem))) {
    throw new CaKeyMismatch('CA private key does not match the CA certificate')
  }
  if (now < caCert.notBefore || now >= caCert.notAfter) {
    throw new CaExpired(`CA is not valid at ${now.toISOString()}`)
  }
}
