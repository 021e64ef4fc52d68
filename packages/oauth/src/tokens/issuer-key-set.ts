/**
 * Where an issuer's verification keys come from: a JWKS held locally (an IdP verifying its own
 * tokens) or fetched from the issuer over TLS anchored in a pinned CA, size-capped while
 * streaming. Keys are imported once and cached (jose's key sets); an unknown `kid` triggers at
 * most one refetch per cooldown; a failed fetch is not retried within the cooldown either, so a
 * flood of tokens (or readiness probes) cannot turn into a flood of outbound requests.
 *
 * @module
 */
import { createLocalJWKSet, createRemoteJWKSet, customFetch } from 'jose'
import type { JSONWebKeySet, JWTVerifyGetKey } from 'jose'
import type { Dispatcher } from 'undici'
import { DEFAULT_MAX_JWKS_BYTES, boundedFetch, caPinnedFetch } from '../http/bounded-fetch.ts'
import type { BoundedFetch } from '../http/bounded-fetch.ts'

/** How long a fetched key set is used before it is fetched again (default). */
export const DEFAULT_JWKS_CACHE_MAX_AGE_MS = 10 * 60 * 1000
/** Least time between two fetches (after an unknown `kid`, or after a failure) (default). */
export const DEFAULT_JWKS_COOLDOWN_MS = 30 * 1000
/** Time-out of one JWKS fetch (default). */
export const DEFAULT_JWKS_TIMEOUT_MS = 5000

/** A JWKS fetched from `jwksUri` over TLS anchored in `caPem` (or through `dispatcher`). */
export interface RemoteKeySource {
  readonly jwksUri: string
  /** PEM CA(s) the JWKS endpoint's certificate must chain to. */
  readonly caPem?: string | readonly string[]
  /** Or: the undici dispatcher to fetch with (e.g. the workload's mTLS agent). */
  readonly dispatcher?: Dispatcher
  /** Default {@link DEFAULT_MAX_JWKS_BYTES}. */
  readonly maxBytes?: number
  /** Default {@link DEFAULT_JWKS_CACHE_MAX_AGE_MS}. */
  readonly cacheMaxAgeMs?: number
  /** Default {@link DEFAULT_JWKS_COOLDOWN_MS}. */
  readonly cooldownMs?: number
  /** Default {@link DEFAULT_JWKS_TIMEOUT_MS}. */
  readonly timeoutMs?: number
}

/** A JWKS the caller already holds (public keys only). */
export interface LocalKeySource {
  readonly jwks: JSONWebKeySet
}

/** An issuer's verification keys. */
export interface IssuerKeySet {
  /** Resolves the key for a JWS header (jose `jwtVerify` key function). */
  readonly getKey: JWTVerifyGetKey
  /**
   * Resolves when a non-empty key set is at hand (readiness). Uses the cache; fetches only when
   * the cache is stale, and never more than once per cooldown.
   */
  ready(): Promise<void>
}

/** The key set cannot be used (readiness): no keys, or the last fetch failed. */
export class KeySetUnavailableError extends Error {
  readonly code = 'ERR_OAUTH_JWKS_UNAVAILABLE'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KeySetUnavailableError'
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback
  if (!Number.isSafeInteger(result) || result < 1) {
    throw new TypeError(`"${name}" option must be a positive integer`)
  }
  return result
}

/** A fetch that, after a failure, refuses to go out again until the cooldown has passed. */
function throttledAfterFailure(inner: BoundedFetch, cooldownMs: number): BoundedFetch {
  let failedAt = -Infinity
  let lastError: unknown
  return async (url, init) => {
    if (Date.now() - failedAt < cooldownMs) {
      throw new KeySetUnavailableError('JWKS fetch failed recently; not retried yet', {
        cause: lastError,
      })
    }
    try {
      const response = await inner(url, init)
      if (response.status !== 200)
        throw new KeySetUnavailableError(`JWKS answered ${response.status}`)
      return response
    } catch (err) {
      failedAt = Date.now()
      lastError = err
      throw err
    }
  }
}

function localKeySet(source: LocalKeySource): IssuerKeySet {
  if (!Array.isArray(source.jwks.keys) || source.jwks.keys.some((k) => 'd' in k || 'k' in k)) {
    throw new TypeError('"jwks" must hold public keys only')
  }
  const getKey = createLocalJWKSet(source.jwks)
  return {
    getKey,
    async ready() {
      if (source.jwks.keys.length === 0) throw new KeySetUnavailableError('JWKS holds no keys')
    },
  }
}

function remoteKeySet(source: RemoteKeySource): IssuerKeySet {
  const url = new URL(source.jwksUri)
  if (url.protocol !== 'https:') throw new TypeError('"jwksUri" must be an https URL')
  const maxBytes = positive(source.maxBytes, DEFAULT_MAX_JWKS_BYTES, 'maxBytes')
  const cooldownMs = positive(source.cooldownMs, DEFAULT_JWKS_COOLDOWN_MS, 'cooldownMs')
  let fetcher: BoundedFetch
  if (source.dispatcher) fetcher = boundedFetch(source.dispatcher, maxBytes)
  else if (source.caPem) fetcher = caPinnedFetch(source.caPem, maxBytes)
  else throw new TypeError('a remote key source needs "caPem" or "dispatcher"')
  const remote = createRemoteJWKSet(url, {
    timeoutDuration: positive(source.timeoutMs, DEFAULT_JWKS_TIMEOUT_MS, 'timeoutMs'),
    cooldownDuration: cooldownMs,
    cacheMaxAge: positive(source.cacheMaxAgeMs, DEFAULT_JWKS_CACHE_MAX_AGE_MS, 'cacheMaxAgeMs'),
    [customFetch]: throttledAfterFailure(fetcher, cooldownMs),
  })
  return {
    getKey: remote,
    async ready() {
      if (!remote.fresh) {
        try {
          await remote.reload()
        } catch (cause) {
          throw new KeySetUnavailableError('JWKS unavailable', { cause })
        }
      }
      if (!remote.jwks()?.keys.length) throw new KeySetUnavailableError('JWKS holds no keys')
    },
  }
}

/**
 * @example
 *   const keys = createIssuerKeySet({ jwksUri: 'https://localhost:4000/jwks', caPem: retailCa })
 *   const own = createIssuerKeySet({ jwks: publicKeys })
 */
export function createIssuerKeySet(source: RemoteKeySource | LocalKeySource): IssuerKeySet {
  return 'jwks' in source ? localKeySet(source) : remoteKeySet(source)
}
