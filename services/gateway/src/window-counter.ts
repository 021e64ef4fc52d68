/**
 * Fixed-window request counters for the rate, spike and feedback-loop policies: in memory, one
 * gateway instance (the demo runs one; several instances would share a store such as Redis
 * behind the same interface). Keys are bounded: when the map is full, expired windows are swept
 * and, if still full, the oldest key is dropped, so a flood of distinct keys cannot exhaust memory.
 */

/** Milliseconds since the epoch; tests pass a fake clock. */
export type Clock = () => number

/** The state of one key's window after counting a hit. */
export interface WindowState {
  /** Hits in the current window, this one included. */
  readonly count: number
  /** Milliseconds until the window resets. */
  readonly resetInMs: number
}

/** Most keys one counter holds. */
const MAX_KEYS = 50_000

/**
 * Counts hits per key in windows of `windowMs`.
 *
 * @example
 * ```ts
 * const perClient = new WindowCounter(60_000)
 * if (perClient.hit('web:katie').count > 600) refuse()
 * ```
 */
export class WindowCounter {
  readonly #windowMs: number
  readonly #now: Clock
  readonly #windows = new Map<string, { start: number; count: number }>()

  constructor(windowMs: number, now: Clock = Date.now) {
    if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
      throw new TypeError('"windowMs" must be a positive integer')
    }
    this.#windowMs = windowMs
    this.#now = now
  }

  /** Counts one hit for `key`. */
  hit(key: string): WindowState {
    const now = this.#now()
    let window = this.#windows.get(key)
    if (!window || now - window.start >= this.#windowMs) {
      this.#makeRoom(now)
      window = { start: now, count: 0 }
      this.#windows.delete(key)
      this.#windows.set(key, window)
    }
    window.count++
    return { count: window.count, resetInMs: window.start + this.#windowMs - now }
  }

  /** Forgets `key` (e.g. a block that expired). */
  reset(key: string): void {
    this.#windows.delete(key)
  }

  #makeRoom(now: number): void {
    if (this.#windows.size < MAX_KEYS) return
    for (const [key, window] of this.#windows) {
      if (now - window.start >= this.#windowMs) this.#windows.delete(key)
    }
    // Insertion order: the first key is the oldest window.
    const oldest = this.#windows.keys().next()
    if (this.#windows.size >= MAX_KEYS && !oldest.done) this.#windows.delete(oldest.value)
  }
}
