/**
 * The federation trust list: which foreign issuers may vouch for a user here, and how their keys
 * are found. One entry today (Mythical Retail); the lookup is by exact `iss` string, so a token
 * naming any other issuer is refused before a single byte is fetched from a URL it chose.
 */
import { createRemoteJWKSet, customFetch } from 'jose'
import type { JWTVerifyGetKey } from 'jose'
import { caPinnedFetch } from './ca-pinned-fetch.ts'

/** How long a fetched key set is trusted before it is re-fetched (jose's `cacheMaxAge`). */
export const JWKS_CACHE_MAX_AGE_MS = 10 * 60 * 1000
/** Time-out of one JWKS fetch; past it the exchange is refused. */
export const JWKS_TIMEOUT_MS = 5000

/** What the operator configures for one trusted issuer. */
export interface TrustedIssuerDefinition {
  /** Exact `iss` value. */
  readonly issuer: string
  /** HTTPS location of its JWKS. */
  readonly jwksUri: string
  /** PEM of the CA that must anchor the JWKS endpoint's TLS certificate. */
  readonly caPem: string
}

/** A trusted issuer ready to verify tokens. */
export interface TrustedIssuer {
  readonly issuer: string
  /** Resolves the verification key by `kid`/`alg` from the issuer's JWKS (fetched, cached). */
  readonly getKey: JWTVerifyGetKey
}

/** Looks up trusted issuers by exact `iss`. */
export interface TrustedIssuers {
  find(issuer: string): TrustedIssuer | undefined
}

/**
 * @example
 *   const trusted = createTrustedIssuers([{ issuer, jwksUri, caPem }])
 *   trusted.find('https://localhost:4000')?.getKey
 */
export function createTrustedIssuers(
  definitions: readonly TrustedIssuerDefinition[],
): TrustedIssuers {
  const byIssuer = new Map<string, TrustedIssuer>()
  for (const definition of definitions) {
    const jwksUri = new URL(definition.jwksUri)
    if (jwksUri.protocol !== 'https:') {
      throw new TypeError(`jwksUri of trusted issuer ${definition.issuer} must be https`)
    }
    if (byIssuer.has(definition.issuer)) {
      throw new TypeError(`trusted issuer ${definition.issuer} is configured twice`)
    }
    const getKey = createRemoteJWKSet(jwksUri, {
      timeoutDuration: JWKS_TIMEOUT_MS,
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      [customFetch]: caPinnedFetch(definition.caPem),
    })
    byIssuer.set(definition.issuer, { issuer: definition.issuer, getKey })
  }
  return { find: (issuer) => byIssuer.get(issuer) }
}
