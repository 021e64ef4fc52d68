import type { StackPaths } from '@mythical/stack'

/**
 * Lifecycle of a dedicated infrastructure server (PostgreSQL, RabbitMQ) run by
 * the local stack from the machine's installed binaries, with data under `.stack/`.
 * Every operation is idempotent so `stack:up` can be re-run and tests can share one instance.
 */
export interface InfrastructureServer {
  readonly name: 'postgres' | 'rabbitmq'
  /** Start detached (survives the caller) unless already running; resolves once it accepts TLS connections. */
  start(paths: StackPaths): Promise<void>
  /** Create/update databases, roles, vhost, users, permissions, topology; write each service's credentials file. */
  provision(paths: StackPaths): Promise<void>
  isRunning(paths: StackPaths): Promise<boolean>
  /** Stop it and leave no process behind. */
  stop(paths: StackPaths): Promise<void>
}
