/**
 * The environment contract between the stack runner (or compose) and every service.
 *
 * @module
 */
import { isAbsolute } from 'node:path'
import { z } from 'zod'

const PORT_MESSAGE = 'must be an integer 1-65535'

/** A TCP port given as decimal digits, e.g. `PORT=8443`. */
export const portVar = z
  .string()
  .regex(/^[0-9]{1,5}$/, PORT_MESSAGE)
  .transform(Number)
  .refine((port) => port >= 1 && port <= 65535, PORT_MESSAGE)

/** An absolute directory path; relative paths would depend on the working directory. */
export const absolutePathVar = z.string().refine(isAbsolute, 'must be an absolute path')

function isHttpsUrl(value: string): boolean {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  // Credentials in a URL end up in logs and error messages; services authenticate with mTLS.
  return url.protocol === 'https:' && url.username === '' && url.password === ''
}

/**
 * An `https:` URL without embedded credentials, e.g. `ORDERS_API_URL`. Plain `http:` is refused:
 * no hop trusts the network.
 */
export const urlVar = z.string().refine(isHttpsUrl, 'must be an https URL without credentials')

/** pino levels a service may be started with. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/**
 * The variables every service receives, as a zod object shape to spread into its own schema.
 *
 * - `SERVICE_NAME`: the manifest name, e.g. `orders-api`
 * - `HOST`: bind address, default `127.0.0.1` (`0.0.0.0` in compose)
 * - `PORT`: listen port
 * - `SECRETS_DIR`: the service's own secrets folder (`/run/secrets` in compose)
 * - `PKI_DIR`: the public `pki/` folder (CA certificates and public JWKS of all domains)
 * - `LOG_LEVEL`: default `info`
 *
 * @example
 * ```ts
 * const schema = z.object({ ...serviceEnv, IDP_URL: urlVar, IDP_ISSUER: urlVar })
 * ```
 */
export const serviceEnv = {
  SERVICE_NAME: z
    .string()
    .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, 'must be a lower-case kebab-case service name'),
  HOST: z
    .union([z.ipv4(), z.ipv6(), z.literal('localhost')], {
      error: 'must be an IP address or localhost',
    })
    .default('127.0.0.1'),
  PORT: portVar,
  SECRETS_DIR: absolutePathVar,
  PKI_DIR: absolutePathVar,
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
    .default('info'),
}
