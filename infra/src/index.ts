/**
 * `@mythical/infra`: what runs the stack (PKI, PostgreSQL, RabbitMQ, runner, compose generator).
 * The manifest it runs is the contract package `@mythical/stack`. Tests and tools import from
 * here; the CLIs in `src/cli/` are the entry points for people.
 *
 * @example
 * ```ts
 * import { stackPaths } from '@mythical/stack'
 * import { readStackManifest } from '@mythical/infra'
 * const running = readStackManifest(stackPaths())?.services ?? []
 * ```
 */
export type { InfrastructureServer } from './infrastructure.ts'
export {
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
