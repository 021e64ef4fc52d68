/**
 * The partner IdP's configuration: the only module that reads `process.env` (runner env
 * contract), validated once at boot by `@mythical/config`, failing fast naming the variable.
 */
import { join } from 'node:path'
import { loadConfig as loadEnv, portVar, serviceEnv, urlVar } from '@mythical/config'
import { z } from 'zod'

/** Port of the RFC 8705 mTLS alias listener when the runner does not name one. */
export const DEFAULT_MTLS_PORT = 5001

const EnvSchema = z.object({
  ...serviceEnv,
  SERVICE_NAME: z.literal('partner-idp', { error: 'must be partner-idp' }),
  /** Our own public issuer identifier (RFC 8414 `issuer`). */
  PARTNER_IDP_ISSUER: urlVar,
  /** The one federated issuer we trust: Mythical Retail's IdP. */
  IDP_ISSUER: urlVar,
  /** Network location of the retail IdP (differs from its issuer in compose). */
  IDP_URL: urlVar,
  /** Port of the listener that demands a client certificate (RFC 8705 endpoint aliases). */
  MTLS_PORT: portVar.optional(),
  /**
   * Oldest retail subject token accepted (seconds since its `iat`): the retail IdP's access-token
   * lifetime, so a token is never honoured longer than the retail IdP itself would.
   */
  SUBJECT_TOKEN_MAX_AGE_SECONDS: z.coerce
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(30, { error: 'must be at least 30' })
    .max(3600, { error: 'must be at most 3600' })
    .default(300),
})

/** Validated configuration of the partner IdP. */
export interface PartnerIdpConfig {
  readonly host: string
  readonly port: number
  /** Port of the mTLS alias listener (client certificate required). */
  readonly mtlsPort: number
  /** Public origin of the mTLS aliases advertised in discovery: the issuer's host on `mtlsPort`. */
  readonly mtlsBaseUrl: string
  readonly logLevel: string
  /** `https://localhost:5000` locally: `iss` of what we issue, and the `aud` we accept. */
  readonly issuer: string
  /** Oldest retail subject token accepted, in seconds since its `iat`. */
  readonly subjectTokenMaxAgeSeconds: number
  /** Our own secrets folder (TLS key pair, signing key, data key). */
  readonly secretsDir: string
  /** The public PKI folder: CA certificates and public JWKS of every trust domain. */
  readonly pkiDir: string
  readonly retail: {
    /** Exact `iss` a federated subject token must carry. */
    readonly issuer: string
    /** Where its public JWKS is fetched from (over TLS, trusting only the retail CA). */
    readonly jwksUri: string
    /** The retail CA certificate that must anchor the JWKS endpoint's TLS certificate. */
    readonly caFile: string
    /** Public JWKS of the retail `web` client, used to verify its `private_key_jwt` assertions. */
    readonly webClientJwksFile: string
  }
}

/**
 * Reads and validates the environment; throws `ConfigError` naming every bad variable.
 *
 * @example
 *   const config = loadConfig()
 *   config.retail.jwksUri // 'https://localhost:4000/jwks'
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
): PartnerIdpConfig {
  const e = loadEnv(EnvSchema, env)
  const mtlsPort = e.MTLS_PORT ?? DEFAULT_MTLS_PORT
  const mtlsBase = new URL(e.PARTNER_IDP_ISSUER)
  mtlsBase.port = String(mtlsPort)
  return {
    host: e.HOST,
    port: e.PORT,
    mtlsPort,
    mtlsBaseUrl: mtlsBase.origin,
    logLevel: e.LOG_LEVEL,
    // Issuer identifiers are compared as exact strings: one canonical form, no trailing slash.
    issuer: withoutTrailingSlash(e.PARTNER_IDP_ISSUER),
    subjectTokenMaxAgeSeconds: e.SUBJECT_TOKEN_MAX_AGE_SECONDS,
    secretsDir: e.SECRETS_DIR,
    pkiDir: e.PKI_DIR,
    retail: {
      issuer: withoutTrailingSlash(e.IDP_ISSUER),
      // oidc-provider serves its JWKS at `/jwks`; the retail IdP keeps that default.
      jwksUri: new URL('/jwks', e.IDP_URL).href,
      caFile: join(e.PKI_DIR, 'retail', 'ca.pem'),
      webClientJwksFile: join(e.PKI_DIR, 'retail', 'jwks', 'web.json'),
    },
  }
}

const withoutTrailingSlash = (url: string) => url.replace(/\/$/, '')
