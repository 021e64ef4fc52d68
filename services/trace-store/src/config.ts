/**
 * Environment of trace-store, the only file of this service that reads `process.env`: the common
 * service variables and the retail IdP (issuer of the tokens its query routes accept).
 */
import { loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({
  IDP_ISSUER: urlVar,
  /** Where the IdP's JWKS is fetched (internal address, the retail CA pinned). */
  IDP_URL: urlVar,
})

/** Validated configuration of trace-store. */
export type Config = ReturnType<typeof loadServiceConfig>

/** Reads and validates the environment, throwing a `ConfigError` that names every bad variable. */
export function loadServiceConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(schema, env)
}
