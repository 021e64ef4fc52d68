/**
 * Symmetric keys the IdP needs (cookie signing, TOTP secret sealing, CSRF tokens), derived with
 * HKDF-SHA256 (RFC 5869) from the private scalar `d` of its own `encryption-key.jwk.json`.
 *
 * - one secret on disk, per-purpose keys: a leak of one derived key reveals nothing about another;
 * - `info` names the purpose and a version so a key can be rolled by bumping the label;
 * - nothing is hand-rolled: node:crypto `hkdfSync` does the work.
 */
import { hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { KeystoreError } from '../errors.ts'

/** Purposes with their HKDF `info` label. Changing a label rotates that key. */
export const KEY_PURPOSES = {
  cookies: 'mythical-idp/cookies/v1',
  totpSeal: 'mythical-idp/totp-seal/v1',
  csrf: 'mythical-idp/csrf/v1',
} as const
export type KeyPurpose = keyof typeof KEY_PURPOSES

/** The salt is public and fixed: HKDF's security rests on the input key material. */
const SALT = Buffer.from('mythical-retail idp hkdf salt')

/** 32-byte keys for every purpose. */
export type DerivedKeys = Readonly<Record<KeyPurpose, Buffer>>

/**
 * Derive the IdP's purpose keys from input key material.
 *
 * @example
 * ```ts
 * const keys = deriveKeys(Buffer.from(jwk.d, 'base64url'))
 * keys.totpSeal // 32 bytes for AES-256-GCM
 * ```
 */
export function deriveKeys(ikm: Buffer): DerivedKeys {
  if (ikm.length < 32) throw new KeystoreError('HKDF input key material must be at least 32 bytes')
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', ikm, SALT, info, 32))
  return {
    cookies: derive(KEY_PURPOSES.cookies),
    totpSeal: derive(KEY_PURPOSES.totpSeal),
    csrf: derive(KEY_PURPOSES.csrf),
  }
}

/** Read `encryption-key.jwk.json` from the secrets folder and derive the purpose keys. */
export function loadDerivedKeys(secretsDir: string): DerivedKeys {
  const file = join(secretsDir, 'encryption-key.jwk.json')
  let jwk: { d?: unknown }
  try {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as { d?: unknown }
  } catch (cause) {
    throw new KeystoreError(`cannot read ${file}`, { cause })
  }
  if (typeof jwk.d !== 'string') throw new KeystoreError(`${file} holds no private key`)
  return deriveKeys(Buffer.from(jwk.d, 'base64url'))
}
