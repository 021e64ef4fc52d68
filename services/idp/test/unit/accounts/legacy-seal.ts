/**
 * Test helpers for the retired sealing format: values sealed exactly as the former hand-written
 * `sealSecret` did (to prove their migration), and tag truncation (to prove it is refused).
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import type { PurposeKey } from '@mythical/service-kit'

/** A value in the retired format, sealed as the former `sealSecret` did. */
export function legacySeal(k: PurposeKey, accountId: string, plaintext: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', k.key, iv)
  cipher.setAAD(Buffer.from(`v1\u0000${k.kid}\u0000${accountId}`, 'utf8'))
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return ['v1', Buffer.from(k.kid).toString('base64url'), iv, ciphertext, cipher.getAuthTag()]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.')
}

/** The same value with its last (tag) field cut to `bytes`. */
export function truncateTag(sealed: string, bytes: number): string {
  const parts = sealed.split('.')
  const tag = Buffer.from(parts.at(-1) ?? '', 'base64url').subarray(0, bytes)
  return [...parts.slice(0, -1), tag.toString('base64url')].join('.')
}
