/**
 * The stack's dev PKI on disk: trust-domain CAs, workload certificates and per-service JWKs
 * under `.stack/`. Run by `pnpm pki` and `stack:up`; the in-memory primitives live in
 * `@mythical/pki`.
 *
 * @module
 */
export { ensurePki, type EnsurePkiOptions, type EnsurePkiResult } from './ensure-pki.ts'
export {
  pkiIdentities,
  stackProbeName,
  spiffeTrustDomain,
  LOOPBACK_IP_ADDRESSES,
  type PkiIdentity,
} from './identities.ts'
export { caDnsNames, caName, CA_VALIDITY_DAYS } from './ensure-ca.ts'
export { WORKLOAD_VALIDITY_HOURS } from './ensure-workload-certificate.ts'
export { isDueForRenewal } from './renewal.ts'
export { runPkiCommand, type CommandOutput } from './run-pki-command.ts'
export {
  StackPkiError,
  InvalidStoredJwk,
  PkiLockTimeout,
  type StackPkiErrorCode,
} from './errors.ts'
