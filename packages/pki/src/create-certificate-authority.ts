import { exportPrivateKeyPem, generateKeyPair, SIGNING_ALGORITHM } from './lib/keys.ts'
import { assertHostNames, DEFAULT_DNS_NAMES, DEFAULT_IP_ADDRESSES } from './lib/host-names.ts'
import { spiffeNameConstraints } from './lib/name-constraints.ts'
import { randomSerialNumber } from './lib/serial-number.ts'
import { assertDate, assertPositive, validityWindow } from './lib/validity.ts'
import { x509 } from './lib/x509.ts'
import type { KeyAndCertificate } from './types.ts'

/** Default CA lifetime: 30 days. Short enough that a leaked dev CA key ages out on its own. */
export const DEFAULT_CA_VALIDITY_DAYS = 30

const DAY_MS = 24 * 60 * 60 * 1000
const TRUST_DOMAIN = /^[a-z0-9._-]+$/

/** Options of {@link createCertificateAuthority}. */
export interface CertificateAuthorityOptions {
  /** Common name of the CA, e.g. `Mythical retail CA`. */
  name: string
  /** Lifetime in days. Default is {@link DEFAULT_CA_VALIDITY_DAYS} (30). */
  validityDays?: number
  /** Issuing time (tests control the clock with it). Default is the current time. */
  now?: Date
  /**
   * SPIFFE trust domain (e.g. `retail.mythical.example`) to restrict the CA to: a critical
   * `nameConstraints` extension then permits only URI SANs with that host, subject DNs under
   * `O=<trustDomain>` and the DNS names and IP addresses below, so certificates it signs for
   * another domain's SPIFFE IDs or subject DNs, or for any other host, fail chain validation.
   * Default: unconstrained.
   */
  trustDomain?: string
  /**
   * With `trustDomain`: the DNS names its workloads' server certificates may carry (each covers
   * its subdomains too). Default is {@link DEFAULT_DNS_NAMES} (`localhost`).
   */
  dnsNames?: readonly string[]
  /**
   * With `trustDomain`: the IP addresses its workloads' certificates may carry. Default is
   * {@link DEFAULT_IP_ADDRESSES} (the loopback addresses).
   */
  ipAddresses?: readonly string[]
}

/**
 * Creates a self-signed root CA for one trust domain: a fresh ECDSA P-256 key and a certificate
 * with `basicConstraints` CA:true, pathLen 0 (it may sign workload certificates, never another CA)
 * and `keyUsage` keyCertSign + cRLSign, both critical; with `trustDomain`, also name-constrained
 * to that domain's SPIFFE IDs and subject DNs and to the given host names and addresses.
 *
 * @example
 * ```ts
 * const ca = await createCertificateAuthority({
 *   name: 'Mythical retail CA',
 *   trustDomain: 'retail.mythical.example',
 *   dnsNames: ['localhost', 'orders-api'],
 * })
 * const leaf = await issueWorkloadCertificate(ca, {
 *   spiffeId: 'spiffe://retail.mythical.example/orders-api',
 * })
 * ```
 *
 * @param opts CA name, lifetime and issuing time.
 * @returns The CA certificate and its PKCS#8 private key, PEM.
 */
export async function createCertificateAuthority(
  opts: CertificateAuthorityOptions,
): Promise<KeyAndCertificate> {
  const {
    name,
    validityDays = DEFAULT_CA_VALIDITY_DAYS,
    now = new Date(),
    trustDomain,
    dnsNames = DEFAULT_DNS_NAMES,
    ipAddresses = DEFAULT_IP_ADDRESSES,
  } = opts
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TypeError('"name" option must be a non-empty string')
  }
  if (trustDomain !== undefined && !TRUST_DOMAIN.test(trustDomain)) {
    throw new TypeError('"trustDomain" option must be a SPIFFE trust domain name')
  }
  assertHostNames(dnsNames, ipAddresses)
  assertPositive(validityDays, 'validityDays')
  assertDate(now, 'now')

  const keys = await generateKeyPair()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [name] }],
    ...validityWindow(now, validityDays * DAY_MS),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ...(trustDomain === undefined
        ? []
        : [spiffeNameConstraints(trustDomain, { dnsNames, ipAddresses })]),
    ],
  })
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKeyPem(keys.privateKey) }
}
