/**
 * The federation trust list: which foreign issuers may vouch for a user here, and how their keys
 * are found. One entry today (Mythical Retail); the lookup is by exact `iss` string, so a token
 * naming any other issuer is refused before a single byte is fetched from a URL it chose.
 * Each issuer's keys are the OAuth kit's key set: fetched over TLS anchored in the issuer's CA,
 * size-capped, cached, refetched at most once per cooldown.
 */
import { createIssuerKeySet } from '@mythical/oauth'
import type { IssuerKeySet } from '@mythical/oauth'

/** How long a fetched key set is trusted before it is re-fetched. */
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
  /** The issuer's verification keys (also the readiness check: cached, never per request). */
  readonly keys: IssuerKeySet
}

/** Looks up trusted issuers by exact `iss`. */
export interface TrustedIssuers {
  find(issuer: string): TrustedIssuer | undefined
}

/**
 * @example
 *   const trusted = createTrustedIssuers([{ issuer, jwksUri, caPem }])
 *   await trusted.find('https://localhost:4000')?.keys.ready()
 */
export function createTrustedIssuers(
  definitions: readonly TrustedIssuerDefinition[],
): TrustedIssuers {
  const byIssuer = new Map<string, TrustedIssuer>()
  for (const definition of definitions) {
    if (byIssuer.has(definition.issuer)) {
      throw new TypeError(`trusted issuer ${definition.issuer} is configured twice`)
    }
    const keys = createIssuerKeySet({
      jwksUri: definition.jwksUri,
      caPem: definition.caPem,
      timeoutMs: JWKS_TIMEOUT_MS,
      cacheMaxAgeMs: JWKS_CACHE_MAX_AGE_MS,
    })
    byIssuer.set(definition.issuer, { issuer: definition.issuer, keys })
  }
  return { find: (issuer) => byIssuer.get(issuer) }
}
