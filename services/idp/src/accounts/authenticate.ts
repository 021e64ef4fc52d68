/**
 * The two authentication factors, with lockout:
 *
 * - password: scrypt hash compare; unknown usernames cost the same time (decoy hash);
 * - TOTP: RFC 6238 code, each time step accepted once (replay refused);
 * - every failed factor counts; at {@link LOCKOUT_THRESHOLD} failures the account is locked
 *   for {@link LOCKOUT_DURATION_MS}, and a locked account is refused before any check runs
 *   (so a locked account is not an oracle for the right password either).
 *
 * Outcomes carry a stable reason code, the same one written to the audit log.
 */
import type { PurposeKey } from '@mythical/service-kit'
import type { AccountRecord, AccountStore } from './account-store.ts'
import { decoyPasswordHash, verifyPassword } from './password.ts'
import { openSecret } from './secret-box.ts'
import { verifyTotp } from './totp.ts'

/** Failed factors (password or TOTP) before the account locks. */
export const LOCKOUT_THRESHOLD = 5
/** How long a locked account stays locked. */
export const LOCKOUT_DURATION_MS = 15 * 60 * 1000

export type AuthFailureReason =
  | 'login.unknown_user'
  | 'login.bad_password'
  | 'login.locked'
  | 'mfa.bad_code'
  | 'mfa.replayed_code'
  | 'mfa.not_enrolled'

export type AuthOutcome =
  | { ok: true; account: AccountRecord }
  | { ok: false; reason: AuthFailureReason; account?: AccountRecord }

/** Dependencies of the authenticator. */
export interface AuthenticatorOptions {
  store: AccountStore
  /** AES-256-GCM key (with its data key version) that opens sealed TOTP secrets. */
  totpSealKey: PurposeKey
  now?: () => Date
}

/** Password and TOTP checks bound to one store. */
export interface Authenticator {
  checkPassword(username: string, password: string): Promise<AuthOutcome>
  checkTotp(accountId: string, code: string): Promise<AuthOutcome>
}

/**
 * @example
 * ```ts
 * const auth = createAuthenticator({ store, totpSealKey: keys.totpSeal })
 * const outcome = await auth.checkPassword('katie', 'katie-loves-shopping')
 * ```
 */
export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const { store, totpSealKey } = opts
  const now = opts.now ?? (() => new Date())
  const isLocked = (a: AccountRecord) => a.lockedUntil !== undefined && a.lockedUntil > now()
  const fail = async (account: AccountRecord, reason: AuthFailureReason): Promise<AuthOutcome> => {
    await store.recordFailure(
      account.id,
      LOCKOUT_THRESHOLD,
      new Date(now().getTime() + LOCKOUT_DURATION_MS),
    )
    return { ok: false, reason, account }
  }

  return {
    async checkPassword(username, password) {
      const account = await store.findByUsername(username)
      if (!account) {
        await verifyPassword(password, await decoyPasswordHash)
        return { ok: false, reason: 'login.unknown_user' }
      }
      if (isLocked(account)) return { ok: false, reason: 'login.locked', account }
      if (!(await verifyPassword(password, account.passwordHash))) {
        return fail(account, 'login.bad_password')
      }
      // Accounts with a second factor keep their counter until TOTP passes too.
      if (!account.sealedTotpSecret) await store.resetFailures(account.id)
      return { ok: true, account }
    },

    async checkTotp(accountId, code) {
      const account = await store.findById(accountId)
      if (!account) return { ok: false, reason: 'login.unknown_user' }
      if (isLocked(account)) return { ok: false, reason: 'login.locked', account }
      if (!account.sealedTotpSecret) return { ok: false, reason: 'mfa.not_enrolled', account }
      const secret = openSecret(totpSealKey, account.id, account.sealedTotpSecret)
      const check = await verifyTotp(secret, code.trim(), account.totpLastTimeStep, now())
      if (!check.valid) return fail(account, check.replayed ? 'mfa.replayed_code' : 'mfa.bad_code')
      if (!(await store.recordTotpStep(account.id, check.timeStep))) {
        return fail(account, 'mfa.replayed_code')
      }
      await store.resetFailures(account.id)
      return { ok: true, account }
    },
  }
}
