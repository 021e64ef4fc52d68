/**
 * Environment of gateway, the only file of this service that reads `process.env`:
 * the common service variables, the IdP (issuer, location and mTLS alias), the upstream APIs, the public
 * URL clients address (the `htu` of their DPoP proofs) and, optionally, another policy file.
 */
import { absolutePathVar, loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({
  IDP_ISSUER: urlVar,
  /** Where the gateway reaches the IdP (ADR 0003): discovery and JWKS; `iss` stays IDP_ISSUER. */
  IDP_URL: urlVar,
  /** RFC 8705 mTLS alias of the IdP: introspection and token exchange with the workload cert. */
  IDP_MTLS_URL: urlVar,
  MY_SHOPPING_API_URL: urlVar,
  SHOP_ASSISTANT_API_URL: urlVar,
  /** The gateway as clients see it; never derived from a request's Host header. */
  GATEWAY_PUBLIC_URL: urlVar.default('https://localhost:8443'),
  /** Defaults to the policy file next to the service (services/gateway/policies.json). */
  GATEWAY_POLICY_FILE: absolutePathVar.optional(),
})

/** Validated configuration of gateway. */
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
