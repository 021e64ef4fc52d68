import type { z, ZodType } from 'zod'
import { ConfigError } from './config-error.ts'
import type { ConfigProblem } from './config-error.ts'

/** Messages we write ourselves read as a predicate of the variable name. */
const PREDICATE = /^(?:must|is) /

/**
 * An empty variable counts as unset: `PORT=` in a compose file is a mistake, not a value, and
 * treating it as unset lets defaults apply and "is required" fire.
 */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') out[name] = value
  }
  return out
}

/** One line per zod issue, naming the variable; values are never quoted. */
function describe(issue: z.core.$ZodIssue, env: Record<string, string>): ConfigProblem {
  const [first] = issue.path
  const variable = typeof first === 'string' ? first : 'configuration'
  if (typeof first === 'string' && !(first in env)) return { variable, problem: 'is required' }
  const problem = PREDICATE.test(issue.message) ? issue.message : `is invalid (${issue.message})`
  return { variable, problem }
}

/**
 * Validates the environment against a zod schema and returns the typed result, or throws a
 * {@link ConfigError} naming every bad variable. This is the only place a service reads
 * `process.env`: call it once, at boot, from `src/config.ts`, and fail fast.
 *
 * @param env Defaults to `process.env`; tests pass a literal object.
 * @example
 * ```ts
 * export const config = loadConfig(z.object({ ...serviceEnv, IDP_URL: urlVar }))
 * ```
 */
export function loadConfig<S extends ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const input = withoutEmpty(env)
  const result = schema.safeParse(input)
  if (result.success) return result.data
  throw new ConfigError(result.error.issues.map((issue) => describe(issue, input)))
}
