/**
 * Environment of web, the only file of this app that reads `process.env`: the common service
 * variables, the public issuers it signs users in with and the URLs of the services it calls.
 */
import { loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({
  IDP_ISSUER: urlVar,
  PARTNER_IDP_ISSUER: urlVar,
  /**
   * The gateway's public URL (SCENARIO.md contract), which the BFF calls: DPoP proofs name it
   * (`htu`), and the gateway checks `htu` against its public address, not a loopback alias.
   */
  GATEWAY_ORIGIN: urlVar.default('https://localhost:8443'),
  /** Public origin of the web app: cookies, redirect URIs and the CSRF origin check use it. */
  WEB_ORIGIN: urlVar.default('https://localhost:3000'),
  /** Network location of the gateway (requests still name GATEWAY_ORIGIN; ADR 0003). */
  GATEWAY_URL: urlVar.optional(),
  /** Network location of the retail IdP (its issuer is IDP_ISSUER). */
  IDP_URL: urlVar.optional(),
  /** Network location of the partner IdP (its issuer is PARTNER_IDP_ISSUER). */
  PARTNER_IDP_URL: urlVar.optional(),
  /** Network location of the partner's order-tracking-api (public contract: port 5443). */
  ORDER_TRACKING_API_URL: urlVar.default('https://localhost:5443'),
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
