/**
 * One-time use of federated subject tokens (`jti` replay detection).
 *
 * Where: in the partner IdP's own memory. The partner IdP runs as a single instance and a
 * subject token lives minutes, so a restart loses at most entries whose tokens expire soon; a
 * horizontally scaled deployment must move this behind the same interface to a shared store with
 * an atomic insert-if-absent and a TTL (a PostgreSQL unique key or Redis `SET NX PX`).
 * Why: a retail token captured in transit or from a log must not mint a second partner token, so
 * each `(iss, jti)` is remembered until the token's own `exp` (plus the clock tolerance) — after
 * that the signature/expiry check refuses it anyway, so nothing longer needs to be kept.
 */

/** Default upper bound on remembered tokens; beyond it new tokens are refused, never old entries evicted. */
export const DEFAULT_MAX_ENTRIES = 100_000

export interface ReplayCacheOptions {
  /** Seconds added to each `exp` to cover the verifier's clock tolerance. */
  readonly toleranceSeconds: number
  /** Default {@link DEFAULT_MAX_ENTRIES}. */
  readonly maxEntries?: number
  /** Clock in seconds since the epoch (tests freeze it). */
  readonly now?: () => number
}

/** Result of {@link ReplayCache.consume}. */
export type ConsumeResult = 'first-use' | 'replayed' | 'full'

/**
 * Remembers consumed `(issuer, jti)` pairs until their expiry.
 *
 * @example
 *   const cache = new ReplayCache({ toleranceSeconds: 30 })
 *   cache.consume(iss, jti, exp) // 'first-use'
 *   cache.consume(iss, jti, exp) // 'replayed'
 */
export class ReplayCache {
  readonly #seen = new Map<string, number>()
  readonly #tolerance: number
  readonly #max: number
  readonly #now: () => number
  #lastSweep = 0

  constructor(options: ReplayCacheOptions) {
    if (!Number.isInteger(options.toleranceSeconds) || options.toleranceSeconds < 0) {
      throw new TypeError('"toleranceSeconds" option must be a non-negative integer')
    }
    const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError('"maxEntries" option must be a positive integer')
    }
    this.#tolerance = options.toleranceSeconds
    this.#max = max
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000))
  }

  /** Marks `(issuer, jti)` as used; says whether it had been used before. Atomic (single-threaded). */
  consume(issuer: string, jti: string, exp: number): ConsumeResult {
    const now = this.#now()
    this.#sweep(now)
    // JSON keeps the pair unambiguous whatever characters the issuer or jti contain.
    const key = JSON.stringify([issuer, jti])
    if (this.#seen.has(key)) return 'replayed'
    // Fail closed: an attacker flooding fresh tokens must not push real entries out.
    if (this.#seen.size >= this.#max) return 'full'
    this.#seen.set(key, exp + this.#tolerance)
    return 'first-use'
  }

  /** Number of remembered tokens (for metrics and tests). */
  get size(): number {
    return this.#seen.size
  }

  #sweep(now: number): void {
    // At most once per second: a burst of requests shares one pass over the map.
    if (now === this.#lastSweep) return
    this.#lastSweep = now
    for (const [key, until] of this.#seen) {
      if (until < now) this.#seen.delete(key)
    }
  }
}
