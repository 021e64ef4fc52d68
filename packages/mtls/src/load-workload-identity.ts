/**
 * Loads a workload's identity from its own secrets folder and refuses to start with a broken one:
 * - tls.crt, tls.key and ca.pem must be readable PEM
 * - the key must belong to the certificate, and the certificate must be issued by ca.pem
 * - the certificate must be inside its validity period
 * - it must carry exactly one URI SAN, a SPIFFE id in a `*.mythical.example` trust domain
 */
import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { spiffeIdOfCertificate } from './certificate-spiffe-id.ts'
import { WorkloadIdentityError } from './errors.ts'
import { parseSpiffeId } from './spiffe-id.ts'

/** Suffix shared by the stack's trust domains: `retail` ↔ `retail.mythical.example`. */
export const TRUST_DOMAIN_SUFFIX = '.mythical.example'

/** A workload's mTLS credentials plus the identity they prove. */
export interface WorkloadIdentity {
  /** `spiffe://<domain>.mythical.example/<service>`, from the certificate's URI SAN. */
  spiffeId: string
  /** Short trust-domain name as in the stack manifest: `retail`, `cardvault`, `shipping`. */
  domain: string
  certPem: string
  keyPem: string
  /** CA certificate of the workload's own trust domain. */
  caPem: string
}

function readSecret(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), 'utf8')
  } catch (cause) {
    throw new WorkloadIdentityError(
      'ERR_MTLS_SECRET_UNREADABLE',
      `cannot read workload secret "${file}"`,
      { cause },
    )
  }
}

function parseCertificate(pem: string, file: string): X509Certificate {
  try {
    return new X509Certificate(pem)
  } catch (cause) {
    throw new WorkloadIdentityError(
      'ERR_MTLS_INVALID_CERTIFICATE',
      `"${file}" is not a PEM certificate`,
      {
        cause,
      },
    )
  }
}

/**
 * Reads `tls.crt`, `tls.key` and `ca.pem` from `secretsDir` (the service's own folder,
 * `SECRETS_DIR`) and returns the validated identity. Throws {@link WorkloadIdentityError}.
 *
 * @example
 * ```ts
 * const identity = loadWorkloadIdentity(config.SECRETS_DIR)
 * identity.spiffeId // 'spiffe://retail.mythical.example/orders-api'
 * ```
 */
export function loadWorkloadIdentity(secretsDir: string, now: Date = new Date()): WorkloadIdentity {
  const certPem = readSecret(secretsDir, 'tls.crt')
  const keyPem = readSecret(secretsDir, 'tls.key')
  const caPem = readSecret(secretsDir, 'ca.pem')
  const cert = parseCertificate(certPem, 'tls.crt')
  const ca = parseCertificate(caPem, 'ca.pem')

  let keyMatches: boolean
  try {
    keyMatches = cert.checkPrivateKey(createPrivateKey(keyPem))
  } catch (cause) {
    throw new WorkloadIdentityError(
      'ERR_MTLS_INVALID_CERTIFICATE',
      '"tls.key" is not a PEM private key',
      {
        cause,
      },
    )
  }
  if (!keyMatches) {
    throw new WorkloadIdentityError(
      'ERR_MTLS_INVALID_CERTIFICATE',
      '"tls.key" does not match "tls.crt"',
    )
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    throw new WorkloadIdentityError(
      'ERR_MTLS_INVALID_CERTIFICATE',
      '"tls.crt" is not issued by "ca.pem"',
    )
  }
  if (now < cert.validFromDate || now > cert.validToDate) {
    throw new WorkloadIdentityError(
      'ERR_MTLS_CERTIFICATE_EXPIRED',
      `"tls.crt" is valid from ${cert.validFromDate.toISOString()} ` +
        `to ${cert.validToDate.toISOString()}`,
    )
  }

  const spiffeId = spiffeIdOfCertificate(cert)
  const { trustDomain } = parseSpiffeId(spiffeId)
  if (!trustDomain.endsWith(TRUST_DOMAIN_SUFFIX)) {
    throw new WorkloadIdentityError(
      'ERR_MTLS_INVALID_SPIFFE_ID',
      `trust domain "${trustDomain}" is not a *${TRUST_DOMAIN_SUFFIX} domain`,
    )
  }
  return {
    spiffeId,
    domain: trustDomain.slice(0, -TRUST_DOMAIN_SUFFIX.length),
    certPem,
    keyPem,
    caPem,
  }
}
