/**
 * A bounded in-memory cache whose entries live until their own expiry. Used for introspection
 * results and exchanged tokens: each entry expires with the token it describes (or earlier, at a
 * cap), so a cached answer is never used after the token itself is dead. Keys are SHA-256 hashes:
 * the cache never holds a token as a key.
 *
 * @module
 */
import { createHash } from 'node:crypto'

/** Default upper bound on cached entries; the oldest entry makes room when it is reached. */
export const DEFAULT_MAX_CACHE_ENTRIES = 10_000

/** Options of {@link ExpiringCache}. */
export interface ExpiringCacheOptions {
  /** Default {@link DEFAULT_MAX_CACHE_ENTRIES}. */
  readonly maxEntries?: number | undefined
  /** Clock in milliseconds (tests move it). */
  readonly now?: (() => number) | undefined
}

/** Longest time a load may be shared by concurrent callers before it is started anew. */
const IN_FLIGHT_MS = 60_000

/** A cache of values with per-entry expiry (milliseconds since the epoch). */
export class ExpiringCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>()
  readonly #max: number
  readonly #now: () => number

  constructor(options: ExpiringCacheOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_MAX_CACHE_ENTRIES
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError('"maxEntries" option must be a positive integer')
    }
    this.#max = max
    this.#now = options.now ?? Date.now
  }

  /** The cache key for secret parts (tokens): their SHA-256, never the token itself. */
  static keyOf(...parts: string[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url')
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.value
  }

  /** Stores `value` until `expiresAt`; an entry already expired is not stored. */
  set(key: string, value: V, expiresAt: number): void {
    if (expiresAt <= this.#now()) return
    this.#entries.delete(key)
    if (this.#entries.size >= this.#max) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    this.#entries.set(key, { value, expiresAt })
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  get size(): number {
    return this.#entries.size
  }
}

/**
 * Values loaded on demand and kept until their own expiry: concurrent callers of one key share a
 * single load, and a failed load is never kept (the next call tries again).
 *
 * @example
 *   const tokens = new LoadingCache<IssuedToken>()
 *   await tokens.load(key, () => requestToken(), (token) => token.expiresAt)
 */
export class LoadingCache<V> {
  readonly #cache: ExpiringCache<Promise<V>>
  readonly #now: () => number

  constructor(options: ExpiringCacheOptions = {}) {
    this.#now = options.now ?? Date.now
    this.#cache = new ExpiringCache({ maxEntries: options.maxEntries, now: this.#now })
  }

  /** The value cached under `key`, or `load()`'s, kept until `expiresAt(value)` (ms). */
  async load(key: string, load: () => Promise<V>, expiresAt: (value: V) => number): Promise<V> {
    const cached = this.#cache.get(key)
    if (cached) return cached
    const pending = load()
    this.#cache.set(key, pending, this.#now() + IN_FLIGHT_MS)
    try {
      const value = await pending
      this.#cache.set(key, pending, expiresAt(value))
      if (expiresAt(value) <= this.#now()) this.#cache.delete(key)
      return value
    } catch (err) {
      this.#cache.delete(key)
      throw err
    }
  }
}
