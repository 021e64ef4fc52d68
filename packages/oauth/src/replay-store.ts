/**
 * One-time use of `jti` values (DPoP proofs, federated subject tokens).
 *
 * The in-memory store suits a single instance: a proof or token lives minutes, so a restart loses
 * at most entries that expire soon. A horizontally scaled deployment puts a shared store behind
 * the same {@link ReplayStore} interface with an atomic insert-if-absent and a TTL (a PostgreSQL
 * unique key or Redis `SET NX PX`).
 *
 * @module
 */

/** Result of {@link ReplayStore.consume}. */
export type ConsumeResult = 'first-use' | 'replayed' | 'full'

/** Remembers used keys until they expire. */
export interface ReplayStore {
  /**
   * Marks `key` as used until `expiresAt` (seconds since the epoch); says whether it had been used.
   * Must be atomic: two concurrent calls with the same key never both see `first-use`.
   */
  consume(key: string, expiresAt: number): ConsumeResult | Promise<ConsumeResult>
}

/** Default upper bound on remembered keys; beyond it new keys are refused, old ones never evicted. */
export const DEFAULT_MAX_REPLAY_ENTRIES = 100_000

/** Options of {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Default {@link DEFAULT_MAX_REPLAY_ENTRIES}. */
  readonly maxEntries?: number
  /** Clock in seconds since the epoch (tests freeze it). */
  readonly now?: () => number
}

/**
 * An in-process {@link ReplayStore}. Fails closed when full: an attacker flooding fresh values must
 * not push real entries out, so new values are refused (`full`) until old ones expire.
 *
 * @example
 *   const store = new MemoryReplayStore()
 *   store.consume('jti-1', exp) // 'first-use'
 *   store.consume('jti-1', exp) // 'replayed'
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #seen = new Map<string, number>()
  readonly #max: number
  readonly #now: () => number
  #lastSweep = 0

  constructor(options: MemoryReplayStoreOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_MAX_REPLAY_ENTRIES
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError('"maxEntries" option must be a positive integer')
    }
    this.#max = max
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000))
  }

  consume(key: string, expiresAt: number): ConsumeResult {
    const now = this.#now()
    this.#sweep(now)
    if (this.#seen.has(key)) return 'replayed'
    if (this.#seen.size >= this.#max) return 'full'
    this.#seen.set(key, expiresAt)
    return 'first-use'
  }

  /** Number of remembered keys (for metrics and tests). */
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
