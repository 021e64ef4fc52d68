import { createPrivateKey, createPublicKey, type webcrypto } from 'node:crypto'
import { InvalidKey } from '../errors.ts'
import { x509 } from './x509.ts'

/** ECDSA over P-256 with SHA-256: small keys, fast handshakes, accepted by every TLS stack we use. */
export const KEY_ALGORITHM: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' }
export const SIGNING_ALGORITHM: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' }

/** A fresh P-256 key pair; the private key is extractable so it can be written as PKCS#8. */
export function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])
}

/** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) of a private key. */
export async function exportPrivateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await globalThis.crypto.subtle.exportKey('pkcs8', key)
  return x509.PemConverter.encode(der, 'PRIVATE KEY')
}

/** Imports a PKCS#8 P-256 private key for signing certificates. */
export async function importSigningKey(keyPem: string): Promise<webcrypto.CryptoKey> {
  try {
    const der = x509.PemConverter.decodeFirst(keyPem)
    return await globalThis.crypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign'])
  } catch (cause) {
    throw new InvalidKey('CA key is not a PKCS#8 ECDSA P-256 private key', { cause })
  }
}

/** DER SubjectPublicKeyInfo of the public half of a PEM private key (to match it to a cert). */
export function publicKeyDerOf(keyPem: string): Buffer {
  try {
    return createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' })
  } catch (cause) {
    throw new InvalidKey('CA key is not a parsable private key', { cause })
  }
}
