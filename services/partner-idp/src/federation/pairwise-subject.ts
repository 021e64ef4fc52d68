/**
 * Pairwise partner subjects (the OpenID Connect "pairwise" idea applied to federation).
 *
 * - the partner never learns the retail `sub`, and the retail side cannot be correlated with other
 *   relying parties through the partner's identifiers;
 * - the same retail user always maps to the same partner subject (stable, so parcels stay hers);
 * - the mapping is a keyed hash, so nobody without the partner's private key material can compute
 *   or reverse it.
 *
 * The HMAC key is derived with HKDF from the partner IdP's own private signing key material, so
 * there is no extra secret to distribute. Consequence (documented in the pattern doc): rotating
 * that signing key changes every pairwise subject; a production partner would derive from a
 * dedicated, separately rotated pairwise secret instead.
 */
import { createHmac, hkdfSync } from 'node:crypto'
import type { JWK } from 'jose'

const HKDF_SALT = 'mythical/partner-idp/pairwise-subject'
const HKDF_INFO = 'hmac-sha256 key v1'

/** An opaque HMAC key for {@link pairwiseSubject}; never leaves the process. */
export interface PairwiseKey {
  readonly bytes: Buffer
}

/**
 * Derives the pairwise HMAC key from a private JWK (its `d` parameter).
 *
 * @example
 *   const key = derivePairwiseKey(signingJwk)
 */
export function derivePairwiseKey(privateJwk: JWK): PairwiseKey {
  if (typeof privateJwk.d !== 'string' || privateJwk.d.length === 0) {
    throw new TypeError('pairwise key derivation needs a private JWK (with "d")')
  }
  const ikm = Buffer.from(privateJwk.d, 'base64url')
  return { bytes: Buffer.from(hkdfSync('sha256', ikm, HKDF_SALT, HKDF_INFO, 32)) }
}

/**
 * Maps a federated `(iss, sub)` to the partner's pairwise subject:
 * `base64url(HMAC-SHA256(key, len(iss) ‖ iss ‖ len(sub) ‖ sub))`. Length prefixes make the input
 * unambiguous (`("ab","c")` and `("a","bc")` differ).
 *
 * @example
 *   pairwiseSubject(key, 'https://localhost:4000', 'katie') // 'Xk2…' (43 chars), stable
 */
export function pairwiseSubject(key: PairwiseKey, issuer: string, subject: string): string {
  const hmac = createHmac('sha256', key.bytes)
  for (const part of [issuer, subject]) {
    const bytes = Buffer.from(part, 'utf8')
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    hmac.update(length).update(bytes)
  }
  return hmac.digest('base64url')
}
