import { createPrivateKey, X509Certificate } from 'node:crypto'
import { join } from 'node:path'
import {
  issueWorkloadCertificate,
  readCertificateInfo,
  type KeyAndCertificate,
} from '@mythical/pki'
import { SECRET_FILES, type StackPaths } from '@mythical/stack'
import type { Outcome } from './ensure-ca.ts'
import { PRIVATE_FILE_MODE, readIfExists, syncFile } from './files.ts'
import { LOOPBACK_IP_ADDRESSES, type PkiIdentity } from './identities.ts'
import { isDueForRenewal } from './renewal.ts'

/** Default lifetime of a workload certificate: 24 hours. */
export const WORKLOAD_VALIDITY_HOURS = 24

/**
 * Keeps `secrets/<identity>/` holding a valid workload certificate (`tls.crt`), its key
 * (`tls.key`) and its domain CA (`ca.pem`). The certificate is (re)issued when it is missing or
 * unreadable, when it no longer chains to the current CA (the CA was renewed), when its identity
 * or SANs differ from the manifest, when the key does not match, or when less than a third of its
 * lifetime is left. The secrets folder itself must exist (0700).
 */
export async function ensureWorkloadCertificate(
  paths: StackPaths,
  identity: PkiIdentity,
  ca: KeyAndCertificate,
  opts: { now: Date; validityHours: number },
): Promise<Outcome> {
  const dir = paths.secrets(identity.name)
  const certPath = join(dir, SECRET_FILES.tlsCert)
  const keyPath = join(dir, SECRET_FILES.tlsKey)
  const certPem = await readIfExists(certPath)
  const keyPem = await readIfExists(keyPath)
  // The CA bundle is public, but it sits with the secrets as the workload's one trust anchor.
  await syncFile(join(dir, SECRET_FILES.ca), ca.certPem, PRIVATE_FILE_MODE)

  if (
    certPem !== undefined &&
    keyPem !== undefined &&
    isCurrent(certPem, keyPem, identity, ca, opts.now)
  ) {
    await syncFile(keyPath, keyPem, PRIVATE_FILE_MODE)
    await syncFile(certPath, certPem, PRIVATE_FILE_MODE)
    return 'kept'
  }

  const leaf = await issueWorkloadCertificate(ca, {
    spiffeId: identity.spiffeId,
    dnsNames: [...identity.dnsNames],
    ipAddresses: [...LOOPBACK_IP_ADDRESSES],
    validityHours: opts.validityHours,
    now: opts.now,
  })
  await syncFile(keyPath, leaf.keyPem, PRIVATE_FILE_MODE)
  await syncFile(certPath, leaf.certPem, PRIVATE_FILE_MODE)
  return certPem === undefined && keyPem === undefined ? 'issued' : 'renewed'
}

function isCurrent(
  certPem: string,
  keyPem: string,
  identity: PkiIdentity,
  ca: KeyAndCertificate,
  now: Date,
): boolean {
  try {
    const cert = new X509Certificate(certPem)
    const caCert = new X509Certificate(ca.certPem)
    const info = readCertificateInfo(certPem)
    return (
      cert.checkIssued(caCert) &&
      cert.verify(caCert.publicKey) &&
      cert.checkPrivateKey(createPrivateKey(keyPem)) &&
      sameItems(info.spiffeIds, [identity.spiffeId]) &&
      sameItems(info.dnsNames, identity.dnsNames) &&
      sameItems(info.ipAddresses, LOOPBACK_IP_ADDRESSES) &&
      !isDueForRenewal(info, now)
    )
  } catch {
    // Unreadable material is replaced, exactly like expiring material.
    return false
  }
}

const sameItems = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((item, i) => item === b[i])
