/**
 * Pairwise partner subjects (the OpenID Connect "pairwise" idea applied to federation), one
 * implementation for every shipping-partner workload that names a customer: partner-idp puts the
 * subject in the tokens it issues, shipping-api files parcels under it, and the two must agree.
 *
 * - the partner's identifiers reveal nothing of the retail `sub`, and cannot be correlated with
 *   another relying party's identifiers for the same person;
 * - the same retail user always maps to the same partner subject (stable, so parcels stay hers);
 * - the mapping is a keyed hash, so nobody without the partner's pairwise key can compute or
 *   reverse it.
 *
 * The HMAC key is derived with HKDF from the shipping domain's shared pairwise-subject key
 * (`pairwise-subject-key.jwk.json`, held by partner-idp and shipping-api only, `SHARED_SECRETS`),
 * never from a signing key: signing keys rotate, and a rotation must not change every pairwise
 * subject (and with it whose parcels are whose). It is not a workload's data key either: sharing
 * that would share its cookie and sealing keys too.
 *
 * @module
 */
import { createHmac } from 'node:crypto'
import { SECRET_FILES } from '@mythical/stack'
import { derivePurposeKey, loadDataKey } from './data-key.ts'
import type { DataKey } from './data-key.ts'

/** HKDF `info` of the pairwise HMAC key; changing it re-keys every pairwise subject. */
const HKDF_INFO = 'mythical-partner-idp/pairwise-subject/v1'

/** An opaque HMAC key for {@link pairwiseSubject}; never leaves the process. */
export interface PairwiseKey {
  readonly bytes: Buffer
}

/**
 * Derives the pairwise HMAC key from a 256-bit root key.
 *
 * @example
 * ```ts
 * const key = derivePairwiseKey(loadDataKey(secretsDir, SECRET_FILES.pairwiseSubjectKey))
 * ```
 */
export function derivePairwiseKey(rootKey: DataKey): PairwiseKey {
  return { bytes: derivePurposeKey(rootKey, HKDF_INFO).key }
}

/**
 * The pairwise HMAC key of a partner workload's secrets folder (its copy of the shared key).
 *
 * @example
 * ```ts
 * const key = loadPairwiseKey(config.SECRETS_DIR)
 * ```
 */
export const loadPairwiseKey = (secretsDir: string): PairwiseKey =>
  derivePairwiseKey(loadDataKey(secretsDir, SECRET_FILES.pairwiseSubjectKey))

/**
 * Maps a federated `(iss, sub)` to the partner's pairwise subject:
 * `base64url(HMAC-SHA256(key, len(iss) ‖ iss ‖ len(sub) ‖ sub))`. Length prefixes make the input
 * unambiguous (`("ab","c")` and `("a","bc")` differ).
 *
 * @example
 * ```ts
 * pairwiseSubject(key, 'https://localhost:4000', 'katie') // 'Xk2…' (43 chars), stable
 * ```
 */
export function pairwiseSubject(key: PairwiseKey, issuer: string, subject: string): string {
  if (issuer === '' || subject === '') throw new TypeError('issuer and subject must be non-empty')
  const hmac = createHmac('sha256', key.bytes)
  for (const part of [issuer, subject]) {
    const bytes = Buffer.from(part, 'utf8')
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    hmac.update(length).update(bytes)
  }
  return hmac.digest('base64url')
}
