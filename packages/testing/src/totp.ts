/** TOTP codes (RFC 6238) as an authenticator app computes them. */
import { createGuardrails, generate } from 'otplib'

/** The current code of a base32 secret (SHA-1, 6 digits, 30 s). */
export function totpNow(secret: string, epoch = Math.floor(Date.now() / 1000)): Promise<string> {
  return generate({ secret, epoch, guardrails: createGuardrails({ MIN_SECRET_BYTES: 10 }) })
}
