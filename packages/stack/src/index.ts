/**
 * `@mythical/stack`: the contract every part of the stack shares, framework-free — the manifest
 * (services, trust domains, exposure, ports, infrastructure, broker topology), the call graph,
 * the trust-boundary registry, the names a service is known by (workload id, resource URI,
 * database/broker principal), the secrets it holds, the `.stack/` layout and the environment
 * each service is started with.
 *
 * @example
 * ```ts
 * import { SERVICES, TRUST_BOUNDARIES, callersOf, isAllowedTarget } from '@mythical/stack'
 * ```
 */
export {
  SERVICES,
  TRUST_DOMAINS,
  INFRASTRUCTURE,
  BROKER_TOPOLOGY,
  deadLetterExchangeOf,
  serviceByName,
  type ServiceDefinition,
  type TrustDomain,
  type Exposure,
  type Infrastructure,
} from './manifest.ts'
export {
  CALL_GRAPH,
  calleesOf,
  exportsSpans,
  startDependenciesOf,
  TRACE_STORE,
  callersOf,
  callBetween,
  isAllowedTarget,
  tokenAudiences,
  type Call,
  type CallCredential,
} from './call-graph.ts'
export {
  TRUST_BOUNDARIES,
  TRUST_BOUNDARY_IDS,
  isTrustBoundaryId,
  type TrustBoundary,
  type TrustBoundaryId,
} from './trust-boundaries.ts'
export { ACR_PASSWORD, ACR_MFA, AMR_PASSWORD, AMR_MFA, SALES_ASSOCIATE_GROUP } from './identity.ts'
export { workloadId, resourceUri, principalName, callerWorkloadIds } from './identifiers.ts'
export { SECRET_FILES, SHARED_SECRETS, serviceSecrets, sharedSecretsOf } from './secrets.ts'
export { STACK_DIR_VARIABLE } from './config.ts'
export { REPO_ROOT, stackPaths, type StackPaths } from './paths.ts'
export {
  serviceEnvironment,
  internalUrl,
  envPrefix,
  COMPOSE_MOUNTS,
  PUBLIC_ISSUERS,
  type RunTarget,
  type EnvironmentOptions,
} from './environment.ts'
