export { WorkloadIdentityError, type WorkloadIdentityErrorCode } from './errors.ts'
export { parseSpiffeId, type SpiffeId } from './spiffe-id.ts'
export { spiffeIdOfCertificate } from './certificate-spiffe-id.ts'
export {
  loadWorkloadIdentity,
  TRUST_DOMAIN_SUFFIX,
  type WorkloadIdentity,
} from './load-workload-identity.ts'
export { mtlsServerOptions, type MtlsServerOptions } from './server-options.ts'
export { peerWorkloadId } from './peer-workload-id.ts'
export { createMtlsAgent, DEFAULT_KEEP_ALIVE_TIMEOUT, type MtlsAgentOptions } from './mtls-agent.ts'
export { traceparentInterceptor } from './traceparent-interceptor.ts'
export { HANDSHAKE_REASONS, handshakeRefusalReason } from './handshake-refusal-reason.ts'
export {
  auditHandshakeRefusals,
  DEFAULT_HANDSHAKE_AUDIT_BUDGET,
  DEFAULT_HANDSHAKE_AUDIT_WINDOW_MS,
  type HandshakeAuditOptions,
} from './audit-handshake-refusals.ts'
