/**
 * Symmetric keys the IdP needs (cookie signing, TOTP secret sealing, CSRF tokens, ids of the
 * sign-in throttle counters), each derived
 * with HKDF-SHA256 from the IdP's own data key (`data-key.jwk.json`, see `@mythical/service-kit`).
 *
 * - never from the signing or encryption key pairs: those rotate on their own schedule, and a
 *   rotation must not make sealed TOTP secrets unreadable or end every session;
 * - one root secret on disk, per-purpose keys: a leak of one derived key reveals nothing about
 *   another;
 * - every key carries the data key's `kid`, which sealed values record as their key version.
 */
import { derivePurposeKey, loadDataKey } from '@mythical/service-kit'
import type { DataKey, PurposeKey } from '@mythical/service-kit'

/** Purposes with their HKDF `info` label. Changing a label rotates that key. */
export const KEY_PURPOSES = {
  cookies: 'mythical-idp/cookies/v1',
  totpSeal: 'mythical-idp/totp-seal/v1',
  csrf: 'mythical-idp/csrf/v1',
  signInThrottle: 'mythical-idp/sign-in-throttle/v1',
} as const
export type KeyPurpose = keyof typeof KEY_PURPOSES

/** A 32-byte key for every purpose. */
export type DerivedKeys = Readonly<Record<KeyPurpose, PurposeKey>>

/**
 * Derive the IdP's purpose keys from its data key.
 *
 * @example
 * ```ts
 * const keys = deriveKeys(loadDataKey(secretsDir))
 * keys.totpSeal.key // 32 bytes for AES-256-GCM, keys.totpSeal.kid its version
 * ```
 */
export function deriveKeys(dataKey: DataKey): DerivedKeys {
  return {
    cookies: derivePurposeKey(dataKey, KEY_PURPOSES.cookies),
    totpSeal: derivePurposeKey(dataKey, KEY_PURPOSES.totpSeal),
    csrf: derivePurposeKey(dataKey, KEY_PURPOSES.csrf),
    signInThrottle: derivePurposeKey(dataKey, KEY_PURPOSES.signInThrottle),
  }
}

/** Read `data-key.jwk.json` from the secrets folder and derive the purpose keys. */
export function loadDerivedKeys(secretsDir: string): DerivedKeys {
  return deriveKeys(loadDataKey(secretsDir))
}
