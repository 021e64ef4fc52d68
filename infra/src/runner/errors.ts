/**
 * Errors of the local stack runner. Each carries a stable string `code` (static and instance, as
 * in jose's `JOSEError`) so the CLIs and tests match on the code, never on the message.
 */

/** Base class: every error the runner throws on purpose. */
export class RunnerError extends Error {
  static code = 'ERR_RUNNER'
  code = 'ERR_RUNNER'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
  }
}

/** `dependsOn` names something that is neither a manifest service nor infrastructure. */
export class UnknownDependencyError extends RunnerError {
  static override code = 'ERR_RUNNER_UNKNOWN_DEPENDENCY'
  override code = 'ERR_RUNNER_UNKNOWN_DEPENDENCY'
}

/** The services' `dependsOn` graph has a cycle, so there is no order to start them in. */
export class DependencyCycleError extends RunnerError {
  static override code = 'ERR_RUNNER_DEPENDENCY_CYCLE'
  override code = 'ERR_RUNNER_DEPENDENCY_CYCLE'
}

/** A service did not answer `GET /readyz` with 2xx within its start-up budget. */
export class ServiceUnhealthyError extends RunnerError {
  static override code = 'ERR_RUNNER_SERVICE_UNHEALTHY'
  override code = 'ERR_RUNNER_SERVICE_UNHEALTHY'
  readonly service: string

  constructor(service: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.service = service
  }
}

/** A service process exited while the runner was still waiting for it to become healthy. */
export class ServiceExitedError extends ServiceUnhealthyError {
  static override code = 'ERR_RUNNER_SERVICE_EXITED'
  override code = 'ERR_RUNNER_SERVICE_EXITED'
}

/** PostgreSQL or RabbitMQ failed to start or to be provisioned. */
export class InfrastructureFailedError extends RunnerError {
  static override code = 'ERR_RUNNER_INFRASTRUCTURE'
  override code = 'ERR_RUNNER_INFRASTRUCTURE'
}

/** A service's build (the manifest's `build`) exited with an error. */
export class ServiceBuildFailedError extends RunnerError {
  static override code = 'ERR_RUNNER_BUILD_FAILED'
  override code = 'ERR_RUNNER_BUILD_FAILED'
}
