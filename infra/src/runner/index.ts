/** The local stack runner: `pnpm start`, `stack:up`, `stack:down`, `stack:status`. */
export { startOrder, stopOrder } from './start-order.ts'
export {
  RunnerError,
  InfrastructureFailedError,
  UnknownDependencyError,
  DependencyCycleError,
  ServiceUnhealthyError,
  ServiceExitedError,
} from './errors.ts'
export { memoryLimitMib, nodeArguments, DEFAULT_MEMORY_LIMIT_MIB } from './resources.ts'
export {
  probeService,
  probeOnce,
  probeAgent,
  waitUntilReady,
  type ProbeResult,
} from './health-probe.ts'
export {
  readStackManifest,
  hostUrl,
  type StackManifest,
  type ServiceRecord,
  type InfrastructureRecord,
} from './manifest-file.ts'
export { runForeground } from './run-foreground.ts'
export { stackUp } from './stack-up.ts'
export { stackDown } from './stack-down.ts'
export { stackStatus, collectStatus, formatStatus, type StatusRow } from './stack-status.ts'
export { isAlive, commandLine, listProcesses, treeResidentKib } from './proc.ts'
export { groupMembers, stopProcessGroup } from './process-group.ts'
