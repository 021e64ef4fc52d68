/** One invalid or missing variable, phrased to follow its name: `PORT` + `must be …`. */
export interface ConfigProblem {
  variable: string
  problem: string
}

/**
 * Thrown by `loadConfig` when the environment does not satisfy the schema. The message names
 * every bad variable and what is wrong with it, never the value (it may be a secret).
 *
 * @example
 * ```ts
 * // Invalid configuration: PORT must be an integer 1-65535; SECRETS_DIR is required
 * ```
 */
export class ConfigError extends Error {
  static readonly code = 'ERR_CONFIG_INVALID'
  readonly code = 'ERR_CONFIG_INVALID'
  /** The names of the offending variables, in schema order. */
  readonly variables: string[]

  constructor(problems: readonly ConfigProblem[]) {
    super(
      `Invalid configuration: ${problems.map(({ variable, problem }) => `${variable} ${problem}`).join('; ')}`,
    )
    this.name = this.constructor.name
    this.variables = [...new Set(problems.map(({ variable }) => variable))]
  }
}
