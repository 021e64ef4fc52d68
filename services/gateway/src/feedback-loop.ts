/**
 * The feedback loop: repeated authentication failures from one address (or with one DPoP key)
 * block it for a while. Failures are counted in a window; when the count reaches the threshold
 * the key is blocked until `blockMs` has passed, then forgotten — blocks expire by themselves.
 */
import { WindowCounter, type Clock } from './window-counter.ts'

/** Settings from the policy file's `feedbackLoop`. */
export interface FeedbackLoopSettings {
  readonly failures: number
  readonly windowSeconds: number
  readonly blockSeconds: number
}

/**
 * Failure counters and active blocks.
 *
 * @example
 * ```ts
 * const loop = new FeedbackLoop({ failures: 10, windowSeconds: 60, blockSeconds: 120 })
 * if (loop.recordFailure('address:203.0.113.9')) audit('feedback.block_started')
 * loop.blockedFor('address:203.0.113.9') // milliseconds left, 0 when not blocked
 * ```
 */
export class FeedbackLoop {
  readonly #settings: FeedbackLoopSettings
  readonly #now: Clock
  readonly #failures: WindowCounter
  readonly #blockedUntil = new Map<string, number>()

  constructor(settings: FeedbackLoopSettings, now: Clock = Date.now) {
    this.#settings = settings
    this.#now = now
    this.#failures = new WindowCounter(settings.windowSeconds * 1000, now)
  }

  /** Counts a failure; `true` when this one starts a block. */
  recordFailure(key: string): boolean {
    if (this.blockedFor(key) > 0) return false
    if (this.#failures.hit(key).count < this.#settings.failures) return false
    this.#failures.reset(key)
    this.#blockedUntil.set(key, this.#now() + this.#settings.blockSeconds * 1000)
    return true
  }

  /** Milliseconds the block on `key` still lasts; 0 when it is not blocked (or no longer). */
  blockedFor(key: string): number {
    const until = this.#blockedUntil.get(key)
    if (until === undefined) return 0
    const left = until - this.#now()
    if (left > 0) return left
    this.#blockedUntil.delete(key)
    return 0
  }
}
