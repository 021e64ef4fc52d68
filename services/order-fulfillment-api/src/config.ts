/**
 * Environment of order-fulfillment-api, the only file of this service that reads `process.env`:
 * the common service variables (`PKI_DIR` holds the card vault's published keys), the retail
 * IdP, and the URLs of the services it calls.
 */
import { loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({
  /** Exact `iss` of the retail IdP's tokens. */
  IDP_ISSUER: urlVar,
  /** Where the IdP is reached (JWKS, token exchange), the retail CA pinned. */
  IDP_URL: urlVar,
  ORDERS_API_URL: urlVar,
  TOKENIZATION_API_URL: urlVar,
})

/** Validated configuration of order-fulfillment-api. */
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
