/**
 * Sealing of small secrets at rest (TOTP seeds) with AES-256-GCM (node:crypto).
 *
 * Format: `v1.<iv b64url>.<ciphertext b64url>.<tag b64url>`; 96-bit random IV per seal; the
 * account id is bound as additional authenticated data so a sealed value copied onto another
 * account's row fails to open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { SealedSecretError } from '../errors.ts'

const VERSION = 'v1'

/**
 * Encrypt `plaintext` for storage on the row of `accountId`.
 *
 * @example
 * ```ts
 * const sealed = sealSecret(keys.totpSeal, 'sam', 'JBSWY3DPEHPK3PXP') // 'v1.…'
 * ```
 */
export function sealSecret(key: Buffer, accountId: string, plaintext: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(accountId))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  const tag = cipher.getAuthTag()
  return [VERSION, iv, ciphertext, tag]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.')
}

/** Decrypt a value sealed by {@link sealSecret}; throws `SealedSecretError` when it does not authenticate. */
export function openSecret(key: Buffer, accountId: string, sealed: string): string {
  const [version, iv, ciphertext, tag] = sealed.split('.')
  if (version !== VERSION || !iv || !ciphertext || !tag) {
    throw new SealedSecretError('sealed secret is malformed')
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
    decipher.setAAD(Buffer.from(accountId))
    decipher.setAuthTag(Buffer.from(tag, 'base64url'))
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8')
  } catch (cause) {
    throw new SealedSecretError('sealed secret does not authenticate', { cause })
  }
}
