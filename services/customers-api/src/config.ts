/**
 * Environment of customers-api, the only file of this service that reads `process.env`: the
 * common service variables, the retail IdP (issuer of the tokens it accepts, where its keys are)
 * and whether to create the demo customers.
 */
import { loadConfig, urlVar } from '@mythical/config'
import { serviceConfigSchema } from '@mythical/service-kit'
import { z } from 'zod'

const schema = serviceConfigSchema({
  IDP_ISSUER: urlVar,
  /** Where the IdP's JWKS is fetched (internal address, the retail CA pinned). */
  IDP_URL: urlVar,
  /** The IdP's RFC 8705 mTLS alias: token endpoint and `POST /accounts`. */
  IDP_MTLS_URL: urlVar,
  NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
  /** Create katie's and bob's profiles at startup: opt-in, and refused in production. */
  SEED_DEMO_DATA: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
}).superRefine((e, ctx) => {
  if (e.SEED_DEMO_DATA && e.NODE_ENV === 'production') {
    ctx.addIssue({
      code: 'custom',
      path: ['SEED_DEMO_DATA'],
      message: 'must not be true when NODE_ENV=production',
    })
  }
})

/** Validated configuration of customers-api. */
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
