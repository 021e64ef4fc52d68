/**
 * Rate limits of the sign-in actions (every attempt costs a 128 MiB scrypt run, unknown names
 * included): a token bucket per client address and one for the whole IdP, checked before any
 * factor. In memory, per instance — they bound this process's CPU and memory; the per-account
 * counters that must hold across instances live in PostgreSQL (`accounts/throttle-store.ts`).
 */

/** Bucket size and refill, in attempts per minute (a full bucket allows a burst of that many). */
export interface RateLimits {
  readonly perAddressPerMinute: number
  readonly globalPerMinute: number
}

/** Which limit refused an attempt. */
export type RateLimitScope = 'address' | 'global'

export type RateDecision =
  { allowed: true } | { allowed: false; scope: RateLimitScope; retryAfterSeconds: number }

/** Buckets kept at most; beyond, the least recently used ones are dropped (a spray of spoofed-
 * looking addresses cannot exhaust memory; a dropped bucket only starts full again). */
const MAX_TRACKED_ADDRESSES = 50_000

interface Bucket {
  tokens: number
  at: number
}

class TokenBuckets {
  readonly #capacity: number
  readonly #perMs: number
  readonly #buckets = new Map<string, Bucket>()
  constructor(perMinute: number) {
    this.#capacity = perMinute
    this.#perMs = perMinute / 60_000
  }

  /** Take one token; the milliseconds until one is available when the bucket is empty. */
  take(key: string, now: number): number {
    const previous = this.#buckets.get(key)
    this.#buckets.delete(key)
    const tokens = previous
      ? Math.min(this.#capacity, previous.tokens + (now - previous.at) * this.#perMs)
      : this.#capacity
    if (tokens < 1) {
      this.#buckets.set(key, { tokens, at: now })
      return Math.ceil((1 - tokens) / this.#perMs)
    }
    this.#buckets.set(key, { tokens: tokens - 1, at: now })
    if (this.#buckets.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.#buckets.keys().next().value
      if (oldest !== undefined) this.#buckets.delete(oldest)
    }
    return 0
  }
}

/**
 * @example
 * ```ts
 * const limiter = signInRateLimiter({ perAddressPerMinute: 30, globalPerMinute: 600 })
 * const decision = limiter.attempt(clientAddress(req))
 * if (!decision.allowed) res.setHeader('retry-after', decision.retryAfterSeconds)
 * ```
 */
export function signInRateLimiter(limits: RateLimits, clock: () => number = Date.now) {
  const perAddress = new TokenBuckets(limits.perAddressPerMinute)
  const global = new TokenBuckets(limits.globalPerMinute)
  return {
    /** Count one sign-in attempt from `address`. */
    attempt(address: string): RateDecision {
      const now = clock()
      const addressWait = perAddress.take(address, now)
      if (addressWait > 0) {
        return {
          allowed: false,
          scope: 'address',
          retryAfterSeconds: Math.ceil(addressWait / 1000),
        }
      }
      const globalWait = global.take('*', now)
      if (globalWait > 0) {
        return { allowed: false, scope: 'global', retryAfterSeconds: Math.ceil(globalWait / 1000) }
      }
      return { allowed: true }
    },
  }
}

export type SignInRateLimiter = ReturnType<typeof signInRateLimiter>
