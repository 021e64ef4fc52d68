/**
 * Card numbers (PANs) as the vault sees them: validation, brand, and the format-preserving token
 * handed out in their place. A token keeps the PAN's length, first digit and last four (so
 * receipts and the shop can show "Visa •••• 1111"), draws the digits between at random, and is
 * then forced to FAIL the Luhn check: no token can ever be mistaken for, or accepted as, a card
 * number, and PAN scanners (packages/audit) never flag one.
 */
import { randomInt } from 'node:crypto'
import { isLuhnValid } from '@mythical/audit'

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'unknown'

/** Leading digits (IIN ranges) of the brands the shop accepts, most specific first. */
const BRANDS: readonly { brand: CardBrand; pattern: RegExp; lengths: readonly number[] }[] = [
  { brand: 'amex', pattern: /^3[47]/, lengths: [15] },
  { brand: 'visa', pattern: /^4/, lengths: [13, 16, 19] },
  {
    brand: 'mastercard',
    pattern: /^(?:5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/,
    lengths: [16],
  },
  { brand: 'discover', pattern: /^(?:6011|65|64[4-9])/, lengths: [16, 19] },
]

/** A card number as digits only, with its brand. */
export interface CardNumber {
  readonly digits: string
  readonly brand: CardBrand
  readonly last4: string
}

/**
 * Parses a card number (spaces and dashes between digits allowed), or `undefined` when it is not
 * a Luhn-valid 13–19-digit number of a known brand's length.
 *
 * @example parseCardNumber('4111 1111 1111 1111') // { digits: '4111111111111111', brand: 'visa', last4: '1111' }
 */
export function parseCardNumber(value: unknown): CardNumber | undefined {
  if (typeof value !== 'string' || !/^[0-9]+(?:[ -]?[0-9]+)*$/.test(value)) return undefined
  const digits = value.replace(/[ -]/g, '')
  if (digits.length < 13 || digits.length > 19 || !isLuhnValid(digits)) return undefined
  const known = BRANDS.find((b) => b.pattern.test(digits))
  if (known && !known.lengths.includes(digits.length)) return undefined
  return { digits, brand: known?.brand ?? 'unknown', last4: digits.slice(-4) }
}

/**
 * A fresh format-preserving token for `card`: same length, first digit and last four; random
 * digits between; never Luhn-valid (the digit after the first is bumped until the check fails,
 * which changes the sum by 1–9 mod 10, so one step always suffices).
 */
export function formatPreservingToken(card: CardNumber): string {
  const middle = Array.from({ length: card.digits.length - 5 }, () => randomInt(10))
  const build = () => `${card.digits[0]}${middle.join('')}${card.last4}`
  if (isLuhnValid(build())) middle[0] = ((middle[0] ?? 0) + 1) % 10
  return build()
}

/** Month and year a card is valid through. */
export interface CardExpiry {
  readonly expMonth: number
  readonly expYear: number
}

/**
 * Parses the expiry of a card, or `undefined` when it is malformed or the card has expired (a card
 * is valid through the last day of its expiry month).
 *
 * @example parseCardExpiry(12, 2030) // { expMonth: 12, expYear: 2030 }
 */
export function parseCardExpiry(
  expMonth: unknown,
  expYear: unknown,
  now: Date = new Date(),
): CardExpiry | undefined {
  if (!Number.isInteger(expMonth) || !Number.isInteger(expYear)) return undefined
  const month = expMonth as number
  const year = expYear as number
  if (month < 1 || month > 12 || year < 2000 || year > 2099) return undefined
  const firstDayAfter = Date.UTC(year, month, 1)
  return firstDayAfter > now.getTime() ? { expMonth: month, expYear: year } : undefined
}
