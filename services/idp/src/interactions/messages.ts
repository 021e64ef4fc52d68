/**
 * What the user reads when a factor is refused: clear, actionable, and the same text for an
 * unknown username and a wrong password (no account enumeration).
 */
import type { AuthFailureReason } from '../accounts/authenticate.ts'

export const AUTH_MESSAGES: Readonly<Record<AuthFailureReason, string>> = {
  'login.unknown_user': 'The username or password is incorrect.',
  'login.bad_password': 'The username or password is incorrect.',
  'login.locked': 'Too many failed attempts. This account is locked for 15 minutes.',
  'mfa.bad_code': 'That code is not valid. Enter the current 6-digit code from your app.',
  'mfa.replayed_code': 'That code was already used. Wait for the next code and try again.',
  'mfa.not_enrolled': 'This sign-in requires a one-time code, but none is set up for this account.',
}
