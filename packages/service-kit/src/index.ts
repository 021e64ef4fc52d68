/**
 * `@mythical/service-kit`: what every workload is built on. `createService` (fastify) and
 * `expressServiceBasics` (express) give the same trust basics: mTLS listener, trace context,
 * peer identity with per-route allow-lists, problem+json errors, health and readiness probes.
 * The `oidc-*` modules give both OpenID providers (oidc-provider, plain Node listeners) the same:
 * edge + RFC 8705 mTLS alias listeners, probes, trace context, certificate hooks, audit reasons.
 *
 * @module
 */
export { createService, type HttpLimits, type ServiceOptions } from './create-service.ts'
export { runService } from './run-service.ts'
export { serviceConfigSchema } from './service-config.ts'
export { assertOwnIdentity } from './identity-check.ts'
export { lazyConnection, type Connection, type LazyConnection } from './lazy-connection.ts'
export {
  assertReadinessChecks,
  DEFAULT_READINESS_TIMEOUT_MS,
  readinessProblem,
  runReadinessChecks,
  type ReadinessChecks,
  type ReadinessReport,
} from './readiness.ts'
export { PEER_AUDIT_REASONS } from './plugins/peer-identity.ts'
export { traceparentPlugin } from './plugins/traceparent.ts'
export { peerIdentityPlugin, type PeerIdentityOptions } from './plugins/peer-identity.ts'
export { problemHandlerPlugin } from './plugins/problem-handler.ts'
export { healthPlugin, type HealthOptions } from './plugins/health.ts'
export {
  expressServiceBasics,
  type ExpressServiceKit,
  type ExpressServiceOptions,
} from './express/service-basics.ts'
export { runExpressService, type RunExpressOptions } from './express/run-express-service.ts'
export { allowCallers } from './express/allow-callers.ts'
export { expressPeerIdentity, expressTraceparent } from './express/request-context.ts'
export {
  startOidcListeners,
  stopOnSignals,
  type FederatedPeers,
  type OidcListenerOptions,
  type OidcListeners,
} from './oidc-listeners.ts'
export {
  callerTraceparentOf,
  withOidcProbes,
  type OidcProbeOptions,
  type RequestListener,
} from './oidc-probes.ts'
export {
  cspNonce,
  pageSecurityHeaders,
  STRICT_TRANSPORT_SECURITY,
  withSecurityHeaders,
  type PageSecurityOptions,
} from './oidc-page-headers.ts'
export { renderProviderError, type OidcPageContext } from './oidc-error-page.ts'
export {
  certificateAuthorized,
  certificateSubjectMatches,
  getCertificate,
  type OidcRequestContext,
} from './oidc-mtls.ts'
export { refusalReason, withReason } from './oidc-refusal-reasons.ts'
export { traceIdOf } from './trace-id.ts'
export {
  DATA_KEY_FILE,
  derivePurposeKey,
  loadDataKey,
  type DataKey,
  type PurposeKey,
} from './data-key.ts'
export {
  derivePairwiseKey,
  loadPairwiseKey,
  pairwiseSubject,
  type PairwiseKey,
} from './pairwise-subject.ts'
export type { SystemsOfRecord } from './systems-of-record.ts'
export {
  accessTokenPlugin,
  type Access,
  type AccessCheck,
  type AccessRefusal,
  type AccessTokenPluginOptions,
  type RouteAccess,
} from './hop/access-token-plugin.ts'
export {
  requireAuthentication,
  requireGroup,
  type AuthenticationRequirement,
} from './hop/access-checks.ts'
export {
  DelegationRefused,
  HOP_REASONS,
  InsufficientScope,
  RoleRequired,
  StepUpRequired,
  TokenAudience,
  TokenForwarded,
  TokenInvalid,
  TokenMissing,
  TokenNotBound,
} from './hop/access-problems.ts'
export {
  createDownstreamClient,
  DEFAULT_DOWNSTREAM_TIMEOUT_MS,
  subjectTokenOf,
  type CallOptions,
  type DownstreamClient,
  type DownstreamClientOptions,
  type DownstreamResponse,
} from './hop/downstream-client.ts'
export {
  createHopKit,
  createHopService,
  type HopIdp,
  type HopKit,
  type HopKitOptions,
  type HopServiceOptions,
} from './hop/hop-kit.ts'
export {
  answerOf,
  DownstreamRefused,
  jsonObject,
  pickFields,
  type JsonObject,
} from './hop/downstream-answer.ts'
