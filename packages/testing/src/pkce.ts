/** PKCE (RFC 7636) as a client does it: S256 only. */
import { createHash, randomBytes } from 'node:crypto'

/**
 * A fresh verifier and its S256 challenge.
 *
 * @example const { verifier, challenge } = pkce()
 */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}
