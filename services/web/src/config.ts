/**
 * Environment of web, the only file of this service that reads `process.env`:
 * the common service variables and the URLs of the services it calls.
 */
import { loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({
  // Optional until the routes that call these services land.
  IDP_URL: urlVar.optional(),
  GATEWAY_URL: urlVar.optional(),
  PARTNER_IDP_URL: urlVar.optional(),
  ORDER_TRACKING_API_URL: urlVar.optional(),
})

/** Validated configuration of web. */
export type Config = ReturnType<typeof loadServiceConfig>

/**
 * Reads and validates the environment, throwing a `ConfigError` that names every bad variable.
 *
 * @example
 * ```ts
 * const config = loadServiceConfig()
 * ```
 */
export function loadServiceConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(schema, env)
}
