/**
 * Environment of tokenization-api, the only file of this service that reads `process.env`: the
 * common service variables. `PKI_DIR` is where its registered clients' public keys are published
 * (`<PKI_DIR>/<domain>/jwks/<client>.json`) and the database server's CA (`<PKI_DIR>/retail/ca.pem`:
 * the vault's database runs on Mythical Retail's PostgreSQL host, which serves a retail
 * certificate).
 */
import { loadConfig } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({})

/** Validated configuration of tokenization-api. */
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
