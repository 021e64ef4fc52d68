/**
 * Errors of the project's Docker path (engine, stand-in images, compose run). Each carries a
 * stable string `code` (static and instance, as in the PostgreSQL set-up's errors).
 */

/** Base class: every error the Docker path throws on purpose. */
export class DockerPathError extends Error {
  static code = 'ERR_DOCKER_PATH'
  code = 'ERR_DOCKER_PATH'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = this.constructor.name
  }
}

/** `dockerd`, `debootstrap` or another tool the Docker path needs is not installed. */
export class DockerToolMissing extends DockerPathError {
  static override code = 'ERR_DOCKER_TOOL_MISSING'
  override code = 'ERR_DOCKER_TOOL_MISSING'
}

/** The project's engine did not answer its ping in time, or died while starting. */
export class DockerEngineStartFailed extends DockerPathError {
  static override code = 'ERR_DOCKER_ENGINE_START_FAILED'
  override code = 'ERR_DOCKER_ENGINE_START_FAILED'
}

/** A `docker`, `docker-compose` or `debootstrap` command exited non-zero. */
export class DockerCommandFailed extends DockerPathError {
  static override code = 'ERR_DOCKER_COMMAND_FAILED'
  override code = 'ERR_DOCKER_COMMAND_FAILED'
}

/** The compose stack did not become healthy, or left containers, networks or volumes behind. */
export class ComposeRunFailed extends DockerPathError {
  static override code = 'ERR_COMPOSE_RUN_FAILED'
  override code = 'ERR_COMPOSE_RUN_FAILED'
}
