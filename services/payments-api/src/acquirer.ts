/**
 * The acquirer payments-api settles with — simulated, in-process and deterministic, so the
 * settlement path can be run and tested end to end without a card network. It authorizes and
 * captures in one step: a Luhn-valid card number of 13–19 digits, not expired, for a positive
 * amount in a three-letter currency, settles; anything else declines with a stable reason.
 * {@link DECLINING_TEST_CARD} always declines (`insufficient_funds`), like the test cards of real
 * acquirers.
 *
 * Idempotent like a real acquirer's API (Stripe's `Idempotency-Key` header, Adyen's
 * `idempotencyKey`): every charge carries a key — the order's id, the same for every attempt at
 * that payment whichever worker makes it — and a key seen before is answered with its first
 * outcome, without charging again. So a settlement worker that still charges after its lease ran
 * out, while another worker charges the same order, does not charge the card twice. The keys live
 * in this process's memory: the settlement workers of one payments-api process share them, where
 * a real acquirer is one service shared by every replica.
 *
 * The card number is only read here, never returned, kept or put in an error.
 *
 * @module
 */
import { isLuhnValid } from '@mythical/audit'
import type { Card } from '@mythical/cardvault-client'

/** A Luhn-valid Visa number that the simulated acquirer always declines (documented test card). */
export const DECLINING_TEST_CARD = '4000000000000002'

/** Why the acquirer declined: stable, stored with the payment (`payments.decline_reason`). */
export const DECLINE_REASONS = {
  invalidNumber: 'invalid_card_number',
  expired: 'card_expired',
  invalidAmount: 'invalid_amount',
  insufficientFunds: 'insufficient_funds',
} as const

export type DeclineReason = (typeof DECLINE_REASONS)[keyof typeof DECLINE_REASONS]

/** What the acquirer is asked to settle. */
export interface Charge {
  /** The order's id: repeated attempts at one payment share it, so only the first one charges. */
  readonly idempotencyKey: string
  readonly card: Card
  readonly amountCents: number
  readonly currency: string
}

export type ChargeOutcome =
  | { readonly status: 'settled'; readonly settledAt: Date }
  | { readonly status: 'declined'; readonly reason: DeclineReason }

/** Settles a charge, or says why not; a charge under a key seen before gets that key's outcome. */
export type Acquirer = (charge: Charge) => ChargeOutcome

/** The simulated acquirer, which also says how often it really charged under a key. */
export type SimulatedAcquirer = Acquirer & {
  /** Charges made under `idempotencyKey` while it is remembered: 1, however often it came back. */
  chargesOf(idempotencyKey: string): number
}

/**
 * Keys the simulation remembers, oldest forgotten first. Real acquirers keep keys for a time
 * (Stripe at least 24 h, Adyen at least 31 days) in their own storage; this one lives in the
 * payments-api process, which settles every order of the stack and of the bench, so it is
 * bounded (some 200 bytes a key: about 20 MB when full) rather than growing with every order. A
 * key comes back when its order is retried — after a lease ran out (60 s) or a back-off (at most
 * 30 s): at the stack's few hundred orders a second, 100 000 later orders are minutes away. A
 * retry held back longer than that (a vault outage right after a charge) would charge again, as it
 * would after a real acquirer's window.
 */
export const REMEMBERED_KEYS = 100_000

/** The card is valid through the last day of its expiry month (UTC). */
const expired = (card: Card, now: Date): boolean =>
  card.expYear < now.getUTCFullYear() ||
  (card.expYear === now.getUTCFullYear() && card.expMonth < now.getUTCMonth() + 1)

/** The outcome of a charge made now: what the card network would answer. */
function charged({ card, amountCents, currency }: Charge, now: Date): ChargeOutcome {
  const digits = card.number.replace(/[ -]/g, '')
  if (!/^[0-9]{13,19}$/.test(digits) || !isLuhnValid(digits)) {
    return { status: 'declined', reason: DECLINE_REASONS.invalidNumber }
  }
  if (expired(card, now)) return { status: 'declined', reason: DECLINE_REASONS.expired }
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0 || !/^[A-Z]{3}$/.test(currency)) {
    return { status: 'declined', reason: DECLINE_REASONS.invalidAmount }
  }
  if (digits === DECLINING_TEST_CARD) {
    return { status: 'declined', reason: DECLINE_REASONS.insufficientFunds }
  }
  return { status: 'settled', settledAt: now }
}

/**
 * @example
 * ```ts
 * const acquirer = simulatedAcquirer()
 * acquirer({ idempotencyKey: orderId, card, amountCents: 4999, currency: 'EUR' }) // settled
 * acquirer({ idempotencyKey: orderId, card, amountCents: 4999, currency: 'EUR' }) // same answer
 * ```
 */
export function simulatedAcquirer(
  clock: () => Date = () => new Date(),
  rememberedKeys = REMEMBERED_KEYS,
): SimulatedAcquirer {
  const outcomes = new Map<string, ChargeOutcome>()
  const charges = new Map<string, number>()
  const acquirer = (charge: Charge): ChargeOutcome => {
    const first = outcomes.get(charge.idempotencyKey)
    if (first) return first
    const outcome = charged(charge, clock())
    charges.set(charge.idempotencyKey, (charges.get(charge.idempotencyKey) ?? 0) + 1)
    outcomes.set(charge.idempotencyKey, outcome)
    // A Map iterates in insertion order: its first key is the oldest.
    const [oldest] = outcomes.keys()
    if (outcomes.size > rememberedKeys && oldest !== undefined) {
      outcomes.delete(oldest)
      charges.delete(oldest)
    }
    return outcome
  }
  return Object.assign(acquirer, {
    chargesOf: (idempotencyKey: string) => charges.get(idempotencyKey) ?? 0,
  })
}
