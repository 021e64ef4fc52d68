/**
 * `@mythical/infra`: the stack manifest and what runs it. Tests and tools import from here; the
 * CLIs in `src/cli/` are the entry points for people.
 *
 * @example
 * ```ts
 * import { SERVICES, stackPaths, readStackManifest } from '@mythical/infra'
 * const running = readStackManifest(stackPaths())?.services ?? []
 * ```
 */
export * from './stack.ts'
export { stackPaths, REPO_ROOT, SECRET_FILES, type StackPaths } from './paths.ts'
export type { InfrastructureServer } from './infrastructure.ts'
export {
  serviceEnvironment,
  internalUrl,
  PUBLIC_ISSUERS,
  COMPOSE_MOUNTS,
  readStackManifest,
  hostUrl,
  probeService,
  startOrder,
  stopOrder,
  RunnerError,
  DependencyCycleError,
  UnknownDependencyError,
  ServiceUnhealthyError,
  ServiceExitedError,
  type RunTarget,
  type StackManifest,
  type ServiceRecord,
  type InfrastructureRecord,
  type ProbeResult,
} from './runner/index.ts'
export {
  composeDocument,
  renderCompose,
  validateComposeSchema,
  hardeningViolations,
} from './compose/index.ts'
