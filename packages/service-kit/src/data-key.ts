/**
 * A workload's data key: the 256-bit root secret (`data-key.jwk.json`, an `oct` JWK with a `kid`)
 * that keys for data the workload keeps are derived from — cookie and CSRF MACs, secrets sealed at
 * rest, pairwise subjects. It is separate from the signing and encryption key pairs on purpose:
 * rotating a published key must not make stored data unreadable or change derived identifiers.
 *
 * Each purpose gets its own key via HKDF-SHA256 (RFC 5869, node:crypto) with a distinct `info`
 * label, so a leaked purpose key reveals nothing about another. The `kid` is the version tag to
 * store next to anything protected with a derived key.
 */
import { hkdfSync } from 'node:crypto'
import { readJsonSecret } from '@mythical/config'
import { z } from 'zod'

/** The data key file inside `SECRETS_DIR` (infra `SECRET_FILES.dataKey`). */
export const DATA_KEY_FILE = 'data-key.jwk.json'

/** Length of the data key and of every derived key, in bytes. */
const KEY_BYTES = 32

/** HKDF salt: public and fixed; HKDF's strength rests on the data key. */
const SALT = Buffer.from('mythical-retail/data-key/v1')

const DataKeyJwk = z.looseObject({
  kty: z.literal('oct'),
  kid: z.string().min(1),
  k: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { error: 'must be base64url' })
    .refine((k) => Buffer.from(k, 'base64url').length === KEY_BYTES, {
      error: `must hold ${KEY_BYTES} bytes`,
    }),
})

/** A loaded data key. Never logged, never serialised. */
export interface DataKey {
  /** Version tag of the key (its JWK `kid`). */
  readonly kid: string
  readonly bytes: Buffer
}

/** A key derived for one purpose, tagged with the data key version it came from. */
export interface PurposeKey {
  readonly kid: string
  readonly key: Buffer
}

/**
 * Reads and checks the data key of a secrets folder (or another 256-bit root key of the same
 * shape, `file`: a shared secret such as the pairwise-subject key); a missing or malformed file throws
 * `SecretFileError` naming the file and field, never the value.
 *
 * @example
 * ```ts
 * const dataKey = loadDataKey(config.secretsDir)
 * ```
 */
export function loadDataKey(secretsDir: string, file: string = DATA_KEY_FILE): DataKey {
  const jwk = readJsonSecret(secretsDir, file, DataKeyJwk)
  return { kid: jwk.kid, bytes: Buffer.from(jwk.k, 'base64url') }
}

/**
 * The 32-byte key for one purpose. `info` names the service and the purpose
 * (`mythical-idp/totp-seal`); two purposes must never share a label.
 *
 * @example
 * ```ts
 * const csrf = derivePurposeKey(dataKey, 'mythical-idp/csrf')
 * ```
 */
export function derivePurposeKey(dataKey: DataKey, info: string): PurposeKey {
  if (info.length === 0) throw new TypeError('"info" must name the purpose')
  if (dataKey.bytes.length !== KEY_BYTES) {
    throw new TypeError(`the data key must be ${KEY_BYTES} bytes`)
  }
  const key = Buffer.from(hkdfSync('sha256', dataKey.bytes, SALT, info, KEY_BYTES))
  return { kid: dataKey.kid, key }
}
