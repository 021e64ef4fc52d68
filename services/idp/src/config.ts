/**
 * The IdP's configuration: the only module that reads `process.env`. Validated once at boot;
 * a missing or malformed variable stops the process with a message naming it.
 */
import { z } from 'zod'
import { loadConfig, portVar, serviceEnv, urlVar } from '@mythical/config'
import { serviceByName } from '@mythical/stack'

const manifest = serviceByName('idp')

/** Default port of the RFC 8705 mTLS alias listener when the manifest does not name one. */
const DEFAULT_MTLS_PORT = 4001

const idpEnv = z
  .object({
    ...serviceEnv,
    /** Public issuer identifier (`https://localhost:4000`), not a network location. */
    IDP_ISSUER: urlVar,
    /** Issuer of the shipping partner's IdP: the audience of federation tokens. */
    PARTNER_IDP_ISSUER: urlVar,
    /** Port of the listener that demands a client certificate (RFC 8705 endpoint aliases). */
    MTLS_PORT: portVar.optional(),
    /** Public base URL of the mTLS aliases; defaults to the issuer's host on `MTLS_PORT`. */
    IDP_MTLS_PUBLIC_URL: urlVar.optional(),
    /** Public origin of the web app (redirect and post-logout URIs of the web clients). */
    WEB_PUBLIC_URL: urlVar.default('https://localhost:3000'),
    NODE_ENV: z.enum(['production', 'development', 'test']).default('development'),
    /** Create the SCENARIO.md demo accounts at startup: opt-in, and refused in production. */
    /** Sign-in attempts (login or TOTP) per client address per minute, also the burst size. */
    SIGN_IN_RATE_PER_ADDRESS: z.coerce.number().int().positive().default(30),
    /** Sign-in attempts per minute for the whole IdP: bounds the CPU and memory scrypt may take. */
    SIGN_IN_RATE_GLOBAL: z.coerce.number().int().positive().default(600),
    SEED_DEMO_DATA: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
  })
  .superRefine((e, ctx) => {
    // Well-known demo passwords and a published TOTP secret must never reach a production store.
    if (e.SEED_DEMO_DATA && e.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['SEED_DEMO_DATA'],
        message: 'must not be true when NODE_ENV=production',
      })
    }
  })

/** Validated IdP configuration. */
export interface IdpConfig {
  readonly serviceName: string
  readonly host: string
  readonly port: number
  readonly mtlsPort: number
  readonly secretsDir: string
  readonly pkiDir: string
  readonly logLevel: string
  readonly issuer: string
  readonly mtlsBaseUrl: string
  readonly partnerIssuer: string
  readonly webOrigin: string
  /** `NODE_ENV=production`: the demo seeding CLI refuses to run. */
  readonly production: boolean
  /** Seed the demo accounts at startup (`SEED_DEMO_DATA=true`; never with `production`). */
  readonly seedDemoData: boolean
  /** Sign-in rate limits, attempts per minute. */
  readonly signInRateLimits: {
    readonly perAddressPerMinute: number
    readonly globalPerMinute: number
  }
}

/**
 * Read and validate the IdP's environment.
 *
 * @example
 * ```ts
 * const config = loadIdpConfig()
 * console.log(config.issuer) // https://localhost:4000
 * ```
 */
export function loadIdpConfig(env: Record<string, string | undefined> = process.env): IdpConfig {
  const e = loadConfig(idpEnv, env)
  const mtlsPort = e.MTLS_PORT ?? manifest.mtlsPort ?? DEFAULT_MTLS_PORT
  const mtlsBase = new URL(e.IDP_MTLS_PUBLIC_URL ?? e.IDP_ISSUER)
  if (!e.IDP_MTLS_PUBLIC_URL) mtlsBase.port = String(mtlsPort)
  return {
    serviceName: e.SERVICE_NAME,
    host: e.HOST,
    port: e.PORT,
    mtlsPort,
    secretsDir: e.SECRETS_DIR,
    pkiDir: e.PKI_DIR,
    logLevel: e.LOG_LEVEL,
    issuer: e.IDP_ISSUER.replace(/\/$/, ''),
    mtlsBaseUrl: mtlsBase.origin,
    partnerIssuer: e.PARTNER_IDP_ISSUER.replace(/\/$/, ''),
    webOrigin: new URL(e.WEB_PUBLIC_URL).origin,
    production: e.NODE_ENV === 'production',
    seedDemoData: e.SEED_DEMO_DATA,
    signInRateLimits: {
      perAddressPerMinute: e.SIGN_IN_RATE_PER_ADDRESS,
      globalPerMinute: e.SIGN_IN_RATE_GLOBAL,
    },
  }
}
