/**
 * Sign-in throttling policy (OWASP Authentication Cheat Sheet, NIST SP 800-63B §5.2.2): failed
 * factors are counted per *(account, client address)* pair and, with a much higher threshold, per
 * account. Past its threshold a counter blocks further attempts for a delay that doubles with each
 * further failure (1 min, 2, 4, 8, capped at 15 min). Counter and block share one expiry: a quiet
 * period after the block ends forgets both, so no stale counter re-locks on the next single typo.
 *
 * Why pairs: an attacker hammering an account from one address blocks only that address; the
 * owner signing in from anywhere else is not locked out (the old per-account lock made lockout a
 * denial-of-service weapon). The per-account counter caps distributed guessing at NIST's 100
 * consecutive failures before delays apply to everyone.
 *
 * Why the submitted name and not the account: the password counters are keyed by the username as
 * typed, so an unknown name is throttled exactly like a real one — a block says nothing about
 * whether the account exists. Keys are HMACs: no username (nor a password typed into the username
 * field) is stored in clear.
 *
 * An attempt is counted *before* its factor is checked (one atomic reservation, see
 * `throttle-store.ts`); a success clears the counters again. So concurrent attempts cannot race
 * past the threshold: at most `threshold` of them are ever checked.
 */
import { createHmac } from 'node:crypto'

/** Which counter a key belongs to. */
export type ThrottleScope = 'password:pair' | 'password:account' | 'totp:pair' | 'totp:account'

/** When a counter blocks, and for how long. */
export interface ThrottleRule {
  /** The attempt that reaches this count is still checked; later ones wait for the block. */
  readonly threshold: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** The counter (and its block) are forgotten this long after the last failure or block end. */
  readonly quietMs: number
}

const MINUTE = 60_000

export const THROTTLE_RULES: Readonly<Record<ThrottleScope, ThrottleRule>> = {
  'password:pair': {
    threshold: 5,
    baseDelayMs: MINUTE,
    maxDelayMs: 15 * MINUTE,
    quietMs: 15 * MINUTE,
  },
  'password:account': {
    threshold: 100,
    baseDelayMs: MINUTE,
    maxDelayMs: 15 * MINUTE,
    quietMs: 60 * MINUTE,
  },
  // A TOTP guesser already has the password: fewer tries per account (3 codes are valid at once).
  'totp:pair': { threshold: 5, baseDelayMs: MINUTE, maxDelayMs: 15 * MINUTE, quietMs: 15 * MINUTE },
  'totp:account': {
    threshold: 20,
    baseDelayMs: MINUTE,
    maxDelayMs: 15 * MINUTE,
    quietMs: 60 * MINUTE,
  },
}

/** One counter's stored key. */
export interface ThrottleKey {
  readonly scope: ThrottleScope
  /** `<scope>:<HMAC>`, the primary key of the counter. */
  readonly id: string
}

/** A counter as stored. */
export interface ThrottleState {
  readonly failures: number
  readonly blockedUntil: Date | undefined
  readonly expiresAt: Date
}

/** Outcome of a reservation: the new states to store, or how long to wait. */
export type Reservation =
  { granted: true; next: ThrottleState[] } | { granted: false; retryAfterMs: number }

/**
 * The counters of one factor attempt.
 *
 * @param subject the username as submitted (password) or the account id (TOTP)
 * @param address the client address, normalised (see `interactions/client-address.ts`)
 */
export function throttleKeys(
  hmacKey: Buffer,
  factor: 'password' | 'totp',
  subject: string,
  address: string,
): ThrottleKey[] {
  const name = subject.trim().toLowerCase()
  const key = (scope: ThrottleScope, value: string) => ({
    scope,
    id: `${scope}:${createHmac('sha256', hmacKey).update(`${scope}\u0000${value}`).digest('base64url')}`,
  })
  return [key(`${factor}:pair`, `${name}\u0000${address}`), key(`${factor}:account`, name)]
}

/**
 * Decide one attempt against the current counters (`undefined` = no counter yet): refused while
 * any live counter blocks, otherwise every counter counts it (and blocks when it reaches its
 * threshold). Expired counters start from zero.
 */
export function reserveAttempt(
  keys: readonly ThrottleKey[],
  states: readonly (ThrottleState | undefined)[],
  now: Date,
): Reservation {
  const t = now.getTime()
  const live = states.map((s) => (s && s.expiresAt.getTime() > t ? s : undefined))
  const blockedUntil = Math.max(0, ...live.map((s) => s?.blockedUntil?.getTime() ?? 0))
  if (blockedUntil > t) return { granted: false, retryAfterMs: blockedUntil - t }
  const next = keys.map((k, i) => {
    const rule = THROTTLE_RULES[k.scope]
    const failures = (live[i]?.failures ?? 0) + 1
    const blocked =
      failures >= rule.threshold
        ? new Date(
            t + Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** (failures - rule.threshold)),
          )
        : undefined
    return {
      failures,
      blockedUntil: blocked,
      expiresAt: new Date(Math.max(t, blocked?.getTime() ?? 0) + rule.quietMs),
    }
  })
  return { granted: true, next }
}
