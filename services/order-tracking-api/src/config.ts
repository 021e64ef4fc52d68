/**
 * Environment of order-tracking-api, the only file of this service that reads `process.env`:
 * the common service variables, the partner IdP (whose tokens it accepts), the retail issuer
 * (whose tokens it names when refusing them) and shipping-api (which owns the parcels).
 */
import { loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'

const schema = serviceConfigSchema({
  /** `iss` of the only tokens accepted: the partner IdP's public issuer identifier. */
  PARTNER_IDP_ISSUER: urlVar,
  /** Network location of the partner IdP: its JWKS is fetched from `<url>/jwks`. */
  PARTNER_IDP_URL: urlVar,
  /** The retail IdP's issuer: a token of it here is refused with its own audit reason. */
  IDP_ISSUER: urlVar,
  /** shipping-api, the owner of the parcels (mTLS, workload identity). */
  SHIPPING_API_URL: urlVar,
})

/** Validated configuration of order-tracking-api. */
export type Config = ReturnType<typeof loadServiceConfig>

/** Issuer identifiers are compared as exact strings: one canonical form, no trailing slash. */
const canonicalIssuer = (url: string): string => url.replace(/\/$/, '')

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
  return {
    ...config,
    PARTNER_IDP_ISSUER: canonicalIssuer(config.PARTNER_IDP_ISSUER),
    IDP_ISSUER: canonicalIssuer(config.IDP_ISSUER),
  }
}
