/**
 * Pairwise partner subjects (the OpenID Connect "pairwise" idea applied to federation).
 *
 * - the partner never learns the retail `sub`, and the retail side cannot be correlated with other
 *   relying parties through the partner's identifiers;
 * - the same retail user always maps to the same partner subject (stable, so parcels stay hers);
 * - the mapping is a keyed hash, so nobody without the partner's data key can compute or reverse
 *   it.
 *
 * The HMAC key is derived with HKDF from the partner IdP's data key (`data-key.jwk.json`), never
 * from its signing key: signing keys rotate, and a rotation must not change every pairwise subject
 * (and with it whose parcels are whose).
 */
import { createHmac } from 'node:crypto'
import { derivePurposeKey } from '@mythical/service-kit'
import type { DataKey } from '@mythical/service-kit'

/** HKDF `info` of the pairwise HMAC key; changing it re-keys every pairwise subject. */
const HKDF_INFO = 'mythical-partner-idp/pairwise-subject/v1'

/** An opaque HMAC key for {@link pairwiseSubject}; never leaves the process. */
export interface PairwiseKey {
  readonly bytes: Buffer
}

/**
 * Derives the pairwise HMAC key from the partner IdP's data key.
 *
 * @example
 *   const key = derivePairwiseKey(loadDataKey(config.secretsDir))
 */
export function derivePairwiseKey(dataKey: DataKey): PairwiseKey {
  return { bytes: derivePurposeKey(dataKey, HKDF_INFO).key }
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
