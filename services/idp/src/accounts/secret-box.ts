/**
 * Sealing of small secrets at rest (TOTP seeds) as a compact JWE (RFC 7516) with `dir` +
 * `A256GCM`, by jose — no hand-written AEAD (an earlier hand-written format accepted a 4-byte
 * GCM tag; jose refuses any tag that is not 16 bytes).
 *
 * The protected header, which A256GCM authenticates as additional data, carries:
 * - `kid`: the data key version that sealed the value, so a value from another key version is
 *   recognised as such instead of failing as "tampered";
 * - `acct`: the account the value belongs to, so a sealed value copied onto another account's
 *   row fails to open.
 */
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose'
import type { PurposeKey } from '@mythical/service-kit'
import { SealedSecretError } from '../errors.ts'

const ALG = 'dir'
const ENC = 'A256GCM'

/** The header fields of a sealed value. */
interface SealedHeader {
  kid?: unknown
  acct?: unknown
}

/**
 * Encrypt `plaintext` for storage on the row of `accountId`.
 *
 * @example
 * ```ts
 * const sealed = await sealSecret(keys.totpSeal, 'sam', 'JBSWY3DPEHPK3PXP') // 'eyJ…..…'
 * ```
 */
export async function sealSecret(
  key: PurposeKey,
  accountId: string,
  plaintext: string,
): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(plaintext))
    .setProtectedHeader({ alg: ALG, enc: ENC, kid: key.kid, acct: accountId })
    .encrypt(key.key)
}

/**
 * The data key version (`kid`) a value was sealed with, or `undefined` for a value that is not a
 * sealed JWE (e.g. the retired `v1.` format, see `legacy-secret-box.ts`).
 *
 * @example
 * ```ts
 * if (sealedKeyVersion(sealed) !== keys.totpSeal.kid) reseal()
 * ```
 */
export function sealedKeyVersion(sealed: string): string | undefined {
  try {
    const { kid } = decodeProtectedHeader(sealed) as SealedHeader
    return typeof kid === 'string' && kid ? kid : undefined
  } catch {
    return undefined
  }
}

/**
 * Decrypt a value sealed by {@link sealSecret}; throws `SealedSecretError` when it is malformed,
 * sealed with another key version or for another account, or does not authenticate.
 *
 * @example
 * ```ts
 * const secret = await openSecret(keys.totpSeal, account.id, account.sealedTotpSecret)
 * ```
 */
export async function openSecret(
  key: PurposeKey,
  accountId: string,
  sealed: string,
): Promise<string> {
  const kid = sealedKeyVersion(sealed)
  if (!kid) throw new SealedSecretError('sealed secret is malformed or in a retired format')
  if (kid !== key.kid) {
    throw new SealedSecretError('sealed secret was sealed with another data key version')
  }
  let opened: Awaited<ReturnType<typeof compactDecrypt>>
  try {
    opened = await compactDecrypt(sealed, key.key, {
      keyManagementAlgorithms: [ALG],
      contentEncryptionAlgorithms: [ENC],
    })
  } catch (cause) {
    throw new SealedSecretError('sealed secret does not authenticate', { cause })
  }
  if ((opened.protectedHeader as SealedHeader).acct !== accountId) {
    throw new SealedSecretError('sealed secret belongs to another account')
  }
  return new TextDecoder().decode(opened.plaintext)
}
