/**
 * The two authentication factors, throttled (see `sign-in-throttle.ts` for the policy):
 *
 * - every attempt first reserves a slot on its counters — (name, client address) and name — in
 *   one atomic step; a blocked attempt is refused before any check runs, so parallel guesses
 *   cannot slip past the threshold and a block is not an oracle for the right password;
 * - password: scrypt hash compare; an unknown name runs the same KDF against a decoy hash and is
 *   throttled exactly like a real one (same answer, same time: no account enumeration); a hash
 *   below the current cost is upgraded after a successful check;
 * - TOTP: RFC 6238 code, each time step accepted once (replay refused);
 * - a successful factor clears its counters.
 *
 * Outcomes carry a stable reason code, the same one written to the audit log.
 */
import type { PurposeKey } from '@mythical/service-kit'
import type { AccountRecord, AccountStore } from './account-store.ts'
import { decoyPasswordHash, hashPassword, needsRehash, verifyPassword } from './password.ts'
import { openSecret } from './secret-box.ts'
import { throttleKeys } from './sign-in-throttle.ts'
import type { ThrottleKey } from './sign-in-throttle.ts'
import type { ThrottleStore } from './throttle-store.ts'
import { verifyTotp } from './totp.ts'

export type AuthFailureReason =
  | 'login.unknown_user'
  | 'login.bad_password'
  | 'login.throttled'
  | 'mfa.bad_code'
  | 'mfa.replayed_code'
  | 'mfa.not_enrolled'
  | 'mfa.throttled'

export type AuthOutcome =
  | { ok: true; account: AccountRecord }
  | {
      ok: false
      reason: AuthFailureReason
      account?: AccountRecord
      /** Set when throttled: seconds until the next attempt will be checked. */
      retryAfterSeconds?: number
    }

/** Dependencies of the authenticator. */
export interface AuthenticatorOptions {
  store: AccountStore
  throttle: ThrottleStore
  /** HMAC key of the throttle counters' ids (no username stored in clear). */
  throttleKey: Buffer
  /** Key (with its data key version) that opens sealed TOTP secrets. */
  totpSealKey: PurposeKey
  now?: () => Date
}

/** Password and TOTP checks bound to one store. */
export interface Authenticator {
  /** `clientAddress`: normalised, see `interactions/client-address.ts`. */
  checkPassword(username: string, password: string, clientAddress: string): Promise<AuthOutcome>
  checkTotp(accountId: string, code: string, clientAddress: string): Promise<AuthOutcome>
}

/**
 * @example
 * ```ts
 * const auth = createAuthenticator({ store, throttle, throttleKey, totpSealKey: keys.totpSeal })
 * const outcome = await auth.checkPassword('katie', 'katie-loves-shopping', '192.0.2.10')
 * ```
 */
export function createAuthenticator(opts: AuthenticatorOptions): Authenticator {
  const { store, throttle, totpSealKey } = opts
  const now = opts.now ?? (() => new Date())

  /** Reserve an attempt; the refusal when the counters block. */
  const reserve = async (
    keys: ThrottleKey[],
    reason: 'login.throttled' | 'mfa.throttled',
  ): Promise<AuthOutcome | undefined> => {
    const reservation = await throttle.reserve(keys, now())
    if (reservation.granted) return undefined
    return { ok: false, reason, retryAfterSeconds: Math.ceil(reservation.retryAfterMs / 1000) }
  }

  return {
    async checkPassword(username, password, clientAddress) {
      const keys = throttleKeys(opts.throttleKey, 'password', username, clientAddress)
      const throttled = await reserve(keys, 'login.throttled')
      if (throttled) return throttled
      const account = await store.findByUsername(username)
      if (!account) {
        await verifyPassword(password, await decoyPasswordHash)
        return { ok: false, reason: 'login.unknown_user' }
      }
      if (!(await verifyPassword(password, account.passwordHash))) {
        return { ok: false, reason: 'login.bad_password', account }
      }
      await throttle.clear(keys)
      if (needsRehash(account.passwordHash)) {
        await store.upgradePasswordHash(
          account.id,
          account.passwordHash,
          await hashPassword(password),
        )
      }
      return { ok: true, account }
    },

    async checkTotp(accountId, code, clientAddress) {
      const keys = throttleKeys(opts.throttleKey, 'totp', accountId, clientAddress)
      const throttled = await reserve(keys, 'mfa.throttled')
      if (throttled) return throttled
      const account = await store.findById(accountId)
      if (!account) return { ok: false, reason: 'login.unknown_user' }
      if (!account.sealedTotpSecret) return { ok: false, reason: 'mfa.not_enrolled', account }
      const secret = await openSecret(totpSealKey, account.id, account.sealedTotpSecret)
      const check = await verifyTotp(secret, code.trim(), account.totpLastTimeStep, now())
      if (!check.valid) {
        return { ok: false, reason: check.replayed ? 'mfa.replayed_code' : 'mfa.bad_code', account }
      }
      if (!(await store.recordTotpStep(account.id, check.timeStep))) {
        return { ok: false, reason: 'mfa.replayed_code', account }
      }
      await throttle.clear(keys)
      return { ok: true, account }
    },
  }
}
