/**
 * Read-only opener of the retired, hand-written sealing format
 * `v1.<kid b64url>.<iv b64url>.<ciphertext b64url>.<tag b64url>` (AES-256-GCM, AAD =
 * `v1\0<kid>\0<accountId>`). Used by one thing only: `reseal-secrets.ts`, which migrates such rows
 * to the JWE format of `secret-box.ts` at start-up. Delete this file once no row holds the format.
 *
 * The old opener passed the tag to `setAuthTag` without `authTagLength`, so a tag truncated to 4
 * bytes authenticated; here the tag must be exactly 16 bytes, and the decipher is told so too.
 */
import { createDecipheriv } from 'node:crypto'
import type { PurposeKey } from '@mythical/service-kit'
import { SealedSecretError } from '../errors.ts'

const PREFIX = 'v1'
const FIELDS = 5
const IV_BYTES = 12
const TAG_BYTES = 16

/**
 * Decrypt a value in the retired format; throws `SealedSecretError` when it is malformed, from
 * another key version or account, has a tag of any length but 16 bytes, or does not authenticate.
 */
export function openLegacySecret(key: PurposeKey, accountId: string, sealed: string): string {
  const parts = sealed.split('.')
  const [prefix, kidField, ivField, ciphertextField, tagField] = parts
  if (prefix !== PREFIX || parts.length !== FIELDS || !kidField || !ciphertextField) {
    throw new SealedSecretError('legacy sealed secret is malformed')
  }
  const kid = Buffer.from(kidField, 'base64url').toString('utf8')
  if (kid !== key.kid) {
    throw new SealedSecretError('legacy sealed secret was sealed with another data key version')
  }
  const iv = Buffer.from(ivField ?? '', 'base64url')
  const tag = Buffer.from(tagField ?? '', 'base64url')
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SealedSecretError('legacy sealed secret has a wrong IV or tag length')
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(Buffer.from(`${PREFIX}\u0000${kid}\u0000${accountId}`, 'utf8'))
    decipher.setAuthTag(tag)
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertextField, 'base64url')),
      decipher.final(),
    ]).toString('utf8')
  } catch (cause) {
    throw new SealedSecretError('legacy sealed secret does not authenticate', { cause })
  }
}
