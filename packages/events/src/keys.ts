/**
 * Key material of the event envelope, imported once at start-up into `CryptoKey` objects (never
 * per message): the publisher's signing key, each subscriber's public encryption keys (from the
 * JWKS it publishes), a subscriber's own decryption key, and the publisher's public JWKS.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { createLocalJWKSet, importJWK } from 'jose'
import type { CryptoKey, JSONWebKeySet, JWK, JWTVerifyGetKey } from 'jose'
import { EventKeysInvalid } from './errors.ts'

/** A key with the `kid` and `alg` it is used under. */
export interface NamedKey {
  readonly kid: string
  readonly alg: string
  readonly key: CryptoKey
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'))
  } catch (cause) {
    throw new EventKeysInvalid(`cannot read key file ${file}`, { cause })
  }
}

async function importNamed(jwk: JWK, file: string): Promise<NamedKey> {
  if (typeof jwk.kid !== 'string' || typeof jwk.alg !== 'string') {
    throw new EventKeysInvalid(`${file}: key without "kid" or "alg"`)
  }
  try {
    const key = await importJWK(jwk, jwk.alg)
    if (key instanceof Uint8Array) throw new TypeError('symmetric keys are not used for events')
    return { kid: jwk.kid, alg: jwk.alg, key }
  } catch (cause) {
    throw new EventKeysInvalid(`${file}: key ${jwk.kid} cannot be imported`, { cause })
  }
}

async function privateKey(file: string, use: 'sig' | 'enc'): Promise<NamedKey> {
  const jwk = (await readJson(file)) as JWK
  if (jwk.use !== use || typeof jwk.d !== 'string') {
    throw new EventKeysInvalid(`${file}: not a private "${use}" key`)
  }
  return importNamed(jwk, file)
}

/** The publisher's private signing key (`signing-key.jwk.json`). */
export const loadSigningKey = (file: string): Promise<NamedKey> => privateKey(file, 'sig')

/**
 * A service's own private ECDH key (`encryption-key.jwk.json`): a subscriber's decryption key,
 * and the publisher's half of every agreed key-encryption key.
 */
export const loadDecryptionKey = (file: string): Promise<NamedKey> => privateKey(file, 'enc')

async function readJwks(file: string): Promise<JSONWebKeySet> {
  const jwks = (await readJson(file)) as JSONWebKeySet
  if (!Array.isArray(jwks?.keys)) throw new EventKeysInvalid(`${file}: not a JWKS`)
  if (jwks.keys.some((k) => 'd' in k)) throw new EventKeysInvalid(`${file}: holds a private key`)
  return jwks
}

/**
 * Every `enc` key of a service's published JWKS. A subscriber's: during a rotation it lists the old
 * and the new key, and the message gets a recipient for each, so whichever private key the
 * subscriber holds opens it. The publisher's: subscribers agree a KEK with whichever key a
 * message's recipient `kid` names, so a publisher rotation loses no message either.
 */
export async function loadRecipientKeys(jwksFile: string): Promise<NamedKey[]> {
  const jwks = await readJwks(jwksFile)
  const keys = await Promise.all(
    jwks.keys.filter((k) => k.use === 'enc').map((k) => importNamed(k, jwksFile)),
  )
  if (keys.length === 0) throw new EventKeysInvalid(`${jwksFile}: no "enc" key`)
  return keys
}

/**
 * The publisher's published JWKS as a key resolver: a signature's `kid` picks the key, so old and
 * new signing keys are both accepted while the JWKS lists both. Only `sig` keys are kept.
 */
export async function loadVerificationKeys(jwksFile: string): Promise<JWTVerifyGetKey> {
  const jwks = await readJwks(jwksFile)
  const keys = jwks.keys.filter((k) => k.use === 'sig')
  if (keys.length === 0) throw new EventKeysInvalid(`${jwksFile}: no "sig" key`)
  return createLocalJWKSet({ keys })
}
