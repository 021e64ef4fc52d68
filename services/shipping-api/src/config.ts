/**
 * Environment of shipping-api, the only file of this service that reads `process.env`: the common
 * service variables and the retail issuer whose customers it ships to (it calls no other service).
 */
import { loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({
  /**
   * The retail IdP's issuer identifier: with the retail `sub` of `order.placed`, the input of the
   * pairwise subject, exactly as partner-idp sees it in a federated subject token's `iss`.
   */
  IDP_ISSUER: urlVar,
})

/** Validated configuration of shipping-api. */
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
  const config = loadConfig(schema, env)
  // Issuer identifiers are compared as exact strings: partner-idp drops a trailing slash too.
  return { ...config, IDP_ISSUER: config.IDP_ISSUER.replace(/\/$/, '') }
}
