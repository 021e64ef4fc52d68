/**
 * What the user reads when a factor is refused: clear, actionable, and the same text for an
 * unknown username and a wrong password, throttled or not (no account enumeration).
 */
import type { AuthFailureReason } from '../accounts/authenticate.ts'

export const AUTH_MESSAGES: Readonly<Record<AuthFailureReason, string>> = {
  'login.unknown_user': 'The username or password is incorrect.',
  'login.bad_password': 'The username or password is incorrect.',
  'login.throttled': 'Too many failed attempts. Wait a few minutes, then try again.',
  'mfa.bad_code': 'That code is not valid. Enter the current 6-digit code from your app.',
  'mfa.replayed_code': 'That code was already used. Wait for the next code and try again.',
  'mfa.not_enrolled': 'This sign-in requires a one-time code, but none is set up for this account.',
  'mfa.throttled': 'Too many wrong codes. Wait a few minutes, then try again.',
}

/** Shown when the sign-in rate limit (per address or for the whole IdP) refuses an attempt. */
export const RATE_LIMITED_MESSAGE = 'Too many sign-in attempts. Wait a moment, then try again.'
