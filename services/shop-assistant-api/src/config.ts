/**
 * Environment of shop-assistant-api, the only file of this service that reads `process.env`:
 * the common service variables, the IdP (issuer of the exchanged tokens it accepts, where its
 * keys are fetched and where this workload exchanges tokens) and customers-api's URL.
 */
import { loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({
  IDP_ISSUER: urlVar,
  /** Where the IdP's JWKS is fetched (internal address, the retail CA pinned). */
  IDP_URL: urlVar,
  CUSTOMERS_API_URL: urlVar,
})

/** Validated configuration of shop-assistant-api. */
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
