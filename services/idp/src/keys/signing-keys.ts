/**
 * The IdP's signing keystore (private JWKs, newest first).
 *
 * - `SECRETS_DIR/signing-keys.jwks.json` — written by `pnpm keys:rotate idp`: the current key
 *   first, then the previous one, which stays published so tokens it signed verify until they
 *   expire;
 * - before the first rotation: the single `SECRETS_DIR/signing-key.jwk.json` issued by the PKI.
 *
 * Only ES256, PS256 and EdDSA keys are accepted (FAPI 2.0), each must carry a `kid`.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { JWK } from 'jose'
import { isSigningAlgorithm } from '@mythical/oauth'
import { KeystoreError } from '../errors.ts'

/** File written by key rotation. */
export const ROTATED_KEYSTORE_FILE = 'signing-keys.jwks.json'
/** File issued by the PKI tool. */
export const INITIAL_SIGNING_KEY_FILE = 'signing-key.jwk.json'

/** A private signing JWK with the members oidc-provider needs. */
export type SigningJwk = JWK & { kid: string; alg: string; d: string }

function assertSigningJwk(jwk: JWK, source: string): asserts jwk is SigningJwk {
  if (typeof jwk.kid !== 'string' || !jwk.kid) throw new KeystoreError(`${source}: key without kid`)
  if (typeof jwk.d !== 'string') throw new KeystoreError(`${source}: key ${jwk.kid} is not private`)
  if (!isSigningAlgorithm(jwk.alg)) {
    throw new KeystoreError(`${source}: key ${jwk.kid} has forbidden alg ${String(jwk.alg)}`)
  }
}

/**
 * Load the signing keys, newest first.
 *
 * @example
 * ```ts
 * const keys = loadSigningKeys(config.secretsDir) // [{ kty: 'EC', kid: '…', alg: 'ES256', … }]
 * ```
 */
export function loadSigningKeys(secretsDir: string): SigningJwk[] {
  const rotated = join(secretsDir, ROTATED_KEYSTORE_FILE)
  const source = existsSync(rotated) ? rotated : join(secretsDir, INITIAL_SIGNING_KEY_FILE)
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(source, 'utf8'))
  } catch (cause) {
    throw new KeystoreError(`cannot read signing keys from ${source}`, { cause })
  }
  const keys = (source === rotated ? (parsed as { keys?: unknown }).keys : [parsed]) as
    JWK[] | undefined
  if (!Array.isArray(keys) || keys.length === 0) throw new KeystoreError(`${source}: no keys`)
  for (const jwk of keys) assertSigningJwk(jwk, source)
  return keys as SigningJwk[]
}

/** Members of a public JWK (EC, RSA or OKP) plus its metadata: never a private member. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const

/** The public half of a JWK. */
export function publicHalf(jwk: JWK): JWK {
  return Object.fromEntries(
    PUBLIC_MEMBERS.filter((m) => jwk[m] !== undefined).map((m) => [m, jwk[m]]),
  ) as JWK
}
