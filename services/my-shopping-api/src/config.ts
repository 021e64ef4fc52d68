/**
 * Environment of my-shopping-api, the only file of this service that reads `process.env`:
 * the common service variables, the IdP (issuer of the exchanged tokens it accepts, where its
 * keys are fetched and where this workload exchanges tokens) and the URLs of the services it
 * calls (set by the runner from the call graph).
 */
import { loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({
  IDP_ISSUER: urlVar,
  /** Where the IdP's JWKS is fetched (internal address, the retail CA pinned). */
  IDP_URL: urlVar,
  // The runner always sets these (call graph); a deployment without one answers 503 on the routes
  // that need it, so the catalogue can be served alone (e.g. the gateway's own tests).
  ORDER_FULFILLMENT_API_URL: urlVar.optional(),
  CUSTOMERS_API_URL: urlVar.optional(),
  RECOMMENDATIONS_API_URL: urlVar.optional(),
  TRACE_STORE_URL: urlVar.optional(),
})

/** Validated configuration of my-shopping-api. */
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
