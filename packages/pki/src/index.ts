/**
 * `@mythical/pki`: an in-memory development PKI. It creates trust-domain CAs and short-lived
 * workload certificates carrying a SPIFFE ID, and reads certificates back. Pure functions over PEM
 * strings: nothing here touches the file system, so any test can mint its own CAs.
 *
 * @module
 */
export type { KeyAndCertificate } from './types.ts'
export {
  createCertificateAuthority,
  DEFAULT_CA_VALIDITY_DAYS,
  type CertificateAuthorityOptions,
} from './create-certificate-authority.ts'
export {
  issueWorkloadCertificate,
  DEFAULT_WORKLOAD_VALIDITY_HOURS,
  DEFAULT_DNS_NAMES,
  DEFAULT_IP_ADDRESSES,
  type WorkloadCertificateOptions,
} from './issue-workload-certificate.ts'
export { readCertificateInfo, type CertificateInfo } from './read-certificate-info.ts'
export { permittedTrustDomains } from './permitted-trust-domains.ts'
export { permittedSubjectNames } from './permitted-subject-names.ts'
export { permittedDnsNames, permittedIpAddresses } from './permitted-hosts.ts'
export {
  PkiError,
  InvalidCertificate,
  InvalidKey,
  NotACertificateAuthority,
  CaKeyMismatch,
  CaExpired,
  NameConstraintViolation,
  type PkiErrorCode,
} from './errors.ts'
