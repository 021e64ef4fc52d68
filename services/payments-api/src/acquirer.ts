/**
 * The acquirer payments-api settles with — simulated, in-process and deterministic, so the
 * settlement path can be run and tested end to end without a card network. It authorizes and
 * captures in one step: a Luhn-valid card number of 13–19 digits, not expired, for a positive
 * amount in a three-letter currency, settles; anything else declines with a stable reason.
 * {@link DECLINING_TEST_CARD} always declines (`insufficient_funds`), like the test cards of real
 * acquirers.
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
  readonly card: Card
  readonly amountCents: number
  readonly currency: string
}

export type ChargeOutcome =
  | { readonly status: 'settled'; readonly settledAt: Date }
  | { readonly status: 'declined'; readonly reason: DeclineReason }

/** Settles a charge, or says why not. */
export type Acquirer = (charge: Charge) => ChargeOutcome

/** The card is valid through the last day of its expiry month (UTC). */
const expired = (card: Card, now: Date): boolean =>
  card.expYear < now.getUTCFullYear() ||
  (card.expYear === now.getUTCFullYear() && card.expMonth < now.getUTCMonth() + 1)

/**
 * @example
 * ```ts
 * const acquirer = simulatedAcquirer()
 * acquirer({ card, amountCents: 4999, currency: 'EUR' }) // { status: 'settled', settledAt }
 * ```
 */
export function simulatedAcquirer(clock: () => Date = () => new Date()): Acquirer {
  return ({ card, amountCents, currency }) => {
    const now = clock()
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
}
