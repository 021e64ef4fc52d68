import { createCertificateAuthority, issueWorkloadCertificate } from '@mythical/pki'
import type { KeyAndCertificate } from '@mythical/pki'
import type { WorkloadIdentity } from '../../src/index.ts'

/** A fresh in-memory CA for one trust domain, issued at `now` (default: the current time). */
export const createCa = (domain: string, now?: Date): Promise<KeyAndCertificate> =>
  createCertificateAuthority({ name: `test ${domain} CA`, ...(now ? { now } : {}) })

/** A workload identity `spiffe://<domain>.mythical.example/<name>` issued by `ca`. */
export async function createIdentity(
  ca: KeyAndCertificate,
  domain: string,
  name: string,
): Promise<WorkloadIdentity> {
  const spiffeId = `spiffe://${domain}.mythical.example/${name}`
  const leaf = await issueWorkloadCertificate(ca, { spiffeId })
  return { spiffeId, domain, certPem: leaf.certPem, keyPem: leaf.keyPem, caPem: ca.certPem }
}
