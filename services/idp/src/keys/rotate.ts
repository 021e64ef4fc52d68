/**
 * Signing key rotation (`pnpm keys:rotate idp`):
 *
 * 1. a new ES256 key (`kid` = RFC 7638 thumbprint) becomes the current key — new tokens are
 *    signed with it once the IdP restarts;
 * 2. the previous current key stays in the keystore, published at `/jwks`, so every token it
 *    signed still verifies until it expires; older keys are retired;
 * 3. `signing-key.jwk.json` follows the current key (the PKI tool validates that file), and the
 *    public `pki/retail/jwks/idp.json` lists every published key.
 *
 * Safe cadence: rotate no more often than the longest lifetime of a signed token (access tokens
 * ≤ 10 min, ID tokens 5 min), otherwise a token may outlive the key that signed it.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import type { JWK } from 'jose'
import {
  INITIAL_SIGNING_KEY_FILE,
  ROTATED_KEYSTORE_FILE,
  loadSigningKeys,
  publicHalf,
} from './signing-keys.ts'
import type { SigningJwk } from './signing-keys.ts'

/** Keys kept published: the current one and its predecessor. */
const PUBLISHED_KEYS = 2

/** What a rotation did. */
export interface RotationReport {
  current: string
  published: string[]
  retired: string[]
}

async function newSigningKey(): Promise<SigningJwk> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(privateKey)
  const kid = await calculateJwkThumbprint(jwk, 'sha256')
  return { ...jwk, kid, alg: 'ES256', use: 'sig' } as SigningJwk
}

/**
 * Rotate the keystore in `secretsDir`; when `publicJwksFile` is given, rewrite it too (keeping
 * its non-signing keys, e.g. the encryption key).
 *
 * @example
 * ```ts
 * const report = await rotateSigningKeys(paths.secrets('idp'), paths.publicJwks('retail', 'idp'))
 * ```
 */
export async function rotateSigningKeys(
  secretsDir: string,
  publicJwksFile?: string,
): Promise<RotationReport> {
  const existing = loadSigningKeys(secretsDir)
  const next = await newSigningKey()
  const keep = [next, ...existing].slice(0, PUBLISHED_KEYS)
  const retired = existing.slice(PUBLISHED_KEYS - 1).map((k) => k.kid)

  const write = (file: string, value: unknown) =>
    writeFileSync(join(secretsDir, file), `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 })
  write(ROTATED_KEYSTORE_FILE, { keys: keep })
  write(INITIAL_SIGNING_KEY_FILE, next)

  if (publicJwksFile) {
    const current = JSON.parse(readFileSync(publicJwksFile, 'utf8')) as { keys: JWK[] }
    const others = current.keys.filter((k) => k.use !== 'sig')
    const jwks = { keys: [...keep.map(publicHalf), ...others] }
    writeFileSync(publicJwksFile, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o644 })
  }
  return { current: next.kid, published: keep.map((k) => k.kid), retired }
}
