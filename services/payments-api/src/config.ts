/**
 * Environment of payments-api, the only file of this service that reads `process.env`:
 * the common service variables (`PKI_DIR` holds the card vault's and the publisher's published
 * keys) and the URLs of the services it calls.
 */
import { loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({
  // Optional until a route that needs the IdP lands (payments-api has none yet).
  IDP_URL: urlVar.optional(),
  /** The card vault, where each order's card token is detokenized for settlement. */
  TOKENIZATION_API_URL: urlVar,
})

/** Validated configuration of payments-api. */
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
