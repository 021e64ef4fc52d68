import { serviceEnv } from '@mythical/config'
import { z, type ZodType } from 'zod'

/**
 * The zod schema of a service's environment: the common {@link serviceEnv} variables plus the
 * service's own (usually its dependencies' `<NAME>_URL`s). Lives in the kit so that a service's
 * `config.ts` needs no direct zod dependency.
 *
 * @example
 * ```ts
 * // services/orders-api/src/config.ts
 * const schema = serviceConfigSchema({ IDP_URL: urlVar.optional() })
 * export const loadServiceConfig = (env = process.env) => loadConfig(schema, env)
 * ```
 */
export function serviceConfigSchema<Extra extends Record<string, ZodType>>(extra: Extra) {
  return z.object({ ...serviceEnv, ...extra })
}
