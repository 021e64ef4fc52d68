/**
 * RFC 6238 TOTP checks (SHA-1, 6 digits, 30 s — what authenticator apps use) via otplib.
 *
 * - one step of clock skew either way is tolerated;
 * - a code is accepted at most once: the caller stores the accepted time step and passes it
 *   back as `afterTimeStep`, so a replayed (or an older) code is refused.
 */
import { createGuardrails, verify } from 'otplib'

/**
 * The demo seed `JBSWY3DPEHPK3PXP` (from RFC-style examples) is 10 bytes; otplib's guardrail asks
 * for 16. Real enrolments generate 20-byte secrets; the floor is lowered only to accept it.
 */
const guardrails = createGuardrails({ MIN_SECRET_BYTES: 10 })

/** Outcome of a TOTP check: the time step to store when valid. */
export type TotpCheck = { valid: true; timeStep: number } | { valid: false; replayed: boolean }

/**
 * Verify a 6-digit code.
 *
 * @example
 * ```ts
 * const check = await verifyTotp('JBSWY3DPEHPK3PXP', '123456', account.totpLastTimeStep)
 * if (check.valid) await store.recordTotpStep(account.id, check.timeStep)
 * ```
 */
export async function verifyTotp(
  secret: string,
  code: string,
  lastTimeStep: number | undefined,
  now: Date = new Date(),
): Promise<TotpCheck> {
  if (!/^\d{6}$/.test(code)) return { valid: false, replayed: false }
  const epoch = Math.floor(now.getTime() / 1000)
  const base = { secret, token: code, epoch, epochTolerance: 30, guardrails }
  const result = await verify(base)
  if (!result.valid || !('timeStep' in result)) return { valid: false, replayed: false }
  if (lastTimeStep !== undefined && result.timeStep <= lastTimeStep) {
    return { valid: false, replayed: true }
  }
  return { valid: true, timeStep: result.timeStep }
}
