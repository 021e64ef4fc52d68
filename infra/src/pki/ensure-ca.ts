import { createPrivateKey, X509Certificate } from 'node:crypto'
import { dirname } from 'node:path'
import {
  createCertificateAuthority,
  permittedDnsNames,
  permittedIpAddresses,
  permittedSubjectNames,
  permittedTrustDomains,
  type KeyAndCertificate,
} from '@mythical/pki'
import type { StackPaths, TrustDomain } from '@mythical/stack'
import {
  ensureDir,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  PUBLIC_DIR_MODE,
  PUBLIC_FILE_MODE,
  readIfExists,
  syncFile,
} from './files.ts'
import { LOOPBACK_IP_ADDRESSES, pkiIdentities, spiffeTrustDomain } from './identities.ts'
import { isDueForRenewal } from './renewal.ts'

/** Lifetime of a trust-domain CA: 30 days, renewed (with all its leaves) after 20. */
export const CA_VALIDITY_DAYS = 30

/** What happened to a piece of PKI material on this run. */
export type Outcome = 'issued' | 'renewed' | 'kept'

/** Common name of a trust domain's CA, e.g. `retail.mythical.example CA`. */
export const caName = (domain: TrustDomain): string => `${spiffeTrustDomain(domain)} CA`

/**
 * The DNS names a domain's CA may sign: those of the domain's identities (`localhost` and their
 * compose service names), sorted so a change in the manifest, not in order, renews the CA.
 */
export const caDnsNames = (domain: TrustDomain): string[] =>
  [
    ...new Set(
      pkiIdentities()
        .filter((identity) => identity.domain === domain)
        .flatMap((identity) => identity.dnsNames),
    ),
  ].sort()

/**
 * Loads the CA of `domain` from `pki/<domain>/ca.pem` and `private/ca-key.pem`, or creates it
 * when it is missing, unusable (not a CA, key and certificate do not match, not name-constrained
 * to its trust domain's SPIFFE IDs, subject DNs and host names) or due for renewal. The CA may
 * only issue its own domain's SPIFFE IDs and `O=<domain>` subjects, so a trust bundle holding
 * several domains' CAs cannot be fooled by one domain claiming another's identities; and only
 * the host names its workloads use ({@link caDnsNames}, the loopback addresses), so it cannot
 * mint a server certificate for any other host.
 * A new CA invalidates every leaf it signed before; {@link ensureWorkloadCertificate} notices.
 */
export async function ensureCa(
  paths: StackPaths,
  domain: TrustDomain,
  now: Date,
): Promise<{ ca: KeyAndCertificate; outcome: Outcome }> {
  const certPath = paths.caCert(domain)
  const keyPath = paths.caKey(domain)
  const certPem = await readIfExists(certPath)
  const keyPem = await readIfExists(keyPath)

  await ensureDir(dirname(certPath), PUBLIC_DIR_MODE)
  await ensureDir(dirname(keyPath), PRIVATE_DIR_MODE)
  if (certPem !== undefined && keyPem !== undefined && isUsable(certPem, keyPem, domain, now)) {
    // Re-assert the modes: a copied or restored tree may have looser ones.
    await syncFile(keyPath, keyPem, PRIVATE_FILE_MODE)
    await syncFile(certPath, certPem, PUBLIC_FILE_MODE)
    return { ca: { certPem, keyPem }, outcome: 'kept' }
  }

  const ca = await createCertificateAuthority({
    name: caName(domain),
    validityDays: CA_VALIDITY_DAYS,
    now,
    trustDomain: spiffeTrustDomain(domain),
    dnsNames: caDnsNames(domain),
    ipAddresses: LOOPBACK_IP_ADDRESSES,
  })
  // Key first: a certificate on disk whose key is missing would be unusable.
  await syncFile(keyPath, ca.keyPem, PRIVATE_FILE_MODE)
  await syncFile(certPath, ca.certPem, PUBLIC_FILE_MODE)
  return { ca, outcome: certPem === undefined && keyPem === undefined ? 'issued' : 'renewed' }
}

function isUsable(certPem: string, keyPem: string, domain: TrustDomain, now: Date): boolean {
  try {
    const cert = new X509Certificate(certPem)
    const permitted = permittedTrustDomains(certPem)
    const subjectNames = permittedSubjectNames(certPem)
    return (
      cert.ca &&
      cert.checkPrivateKey(createPrivateKey(keyPem)) &&
      permitted?.length === 1 &&
      permitted[0] === spiffeTrustDomain(domain) &&
      // A CA from before the subject DN constraint could sign another domain's subject DNs,
      // which PostgreSQL maps to roles: replaced, and its leaves with it.
      subjectNames?.length === 1 &&
      subjectNames[0] === `O=${spiffeTrustDomain(domain)}` &&
      // A CA from before the host name constraints (or from an older manifest) could sign a
      // server certificate for any host: replaced, and its leaves with it.
      sameSet(permittedDnsNames(certPem), caDnsNames(domain)) &&
      sameSet(permittedIpAddresses(certPem), LOOPBACK_IP_ADDRESSES) &&
      !isDueForRenewal({ notBefore: cert.validFromDate, notAfter: cert.validToDate }, now)
    )
  } catch {
    // Unparsable material is replaced, exactly like expiring material.
    return false
  }
}

const sameSet = (actual: readonly string[] | undefined, expected: readonly string[]) =>
  actual !== undefined &&
  actual.length === expected.length &&
  [...actual].sort().join('\n') === [...expected].sort().join('\n')
