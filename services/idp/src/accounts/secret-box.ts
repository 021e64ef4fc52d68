/**
 * Sealing of small secrets at rest (TOTP seeds) with AES-256-GCM (node:crypto).
 *
 * Format: `v1.<kid b64url>.<iv b64url>.<ciphertext b64url>.<tag b64url>` (the `v1.` prefix is
 * what the `totp_is_sealed` column constraint checks); 96-bit random IV per seal. `kid` records
 * which data key version sealed the value, so a value from another key version is recognised as
 * such instead of failing as "tampered"; a four-field value predates key versions and is refused.
 * The key version and the account id are bound as additional authenticated data: a sealed value
 * copied onto another account's row, or relabelled with another key version, fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import type { PurposeKey } from '@mythical/service-kit'
import { SealedSecretError } from '../errors.ts'

const VERSION = 'v1'
/** Fields of a sealed value: version, kid, IV, ciphertext, tag. */
const FIELDS = 5

const aad = (kid: string, accountId: string) =>
  Buffer.from(`${VERSION}\u0000${kid}\u0000${accountId}`, 'utf8')

/**
 * Encrypt `plaintext` for storage on the row of `accountId`.
 *
 * @example
 * ```ts
 * const sealed = sealSecret(keys.totpSeal, 'sam', 'JBSWY3DPEHPK3PXP') // 'v1.<kid>.…'
 * ```
 */
export function sealSecret(key: PurposeKey, accountId: string, plaintext: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key.key, iv)
  cipher.setAAD(aad(key.kid, accountId))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  const tag = cipher.getAuthTag()
  return [VERSION, Buffer.from(key.kid, 'utf8'), iv, ciphertext, tag]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.')
}

/**
 * The data key version (`kid`) a value was sealed with, or `undefined` for a value in the older
 * four-field format (sealed before key versions were recorded, with a key that no longer exists).
 *
 * @example
 * ```ts
 * if (sealedKeyVersion(sealed) !== keys.totpSeal.kid) reseal()
 * ```
 */
export function sealedKeyVersion(sealed: string): string | undefined {
  const parts = sealed.split('.')
  const [version, kid] = parts
  if (version !== VERSION || parts.length !== FIELDS || !kid) return undefined
  return Buffer.from(kid, 'base64url').toString('utf8')
}

/**
 * Decrypt a value sealed by {@link sealSecret}; throws `SealedSecretError` when it is malformed,
 * sealed with another key version, or does not authenticate.
 *
 * @example
 * ```ts
 * const secret = openSecret(keys.totpSeal, account.id, account.sealedTotpSecret)
 * ```
 */
export function openSecret(key: PurposeKey, accountId: string, sealed: string): string {
  const parts = sealed.split('.')
  const [version, , iv, ciphertext, tag] = parts
  const kid = sealedKeyVersion(sealed)
  if (version !== VERSION || parts.length !== FIELDS || !kid || !iv || !ciphertext || !tag) {
    throw new SealedSecretError('sealed secret is malformed or in a retired format')
  }
  if (kid !== key.kid) {
    throw new SealedSecretError('sealed secret was sealed with another data key version')
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'))
    decipher.setAAD(aad(kid, accountId))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8')
  } catch (cause) {
    throw new SealedSecretError('sealed secret does not authenticate', { cause })
  }
}
