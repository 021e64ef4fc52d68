/**
 * The vault's own JOSE keys, from its secrets folder: the ES256 key it signs its answers with and
 * the ECDH-ES key requests are encrypted to (its public halves are published in
 * `pki/cardvault/jwks/tokenization-api.json`, which is how its clients find them).
 */
import { readSecretFile } from '@mythical/config'
import { SECRET_FILES } from '@mythical/stack'
import { importJWK, type CryptoKey, type JWK } from 'jose'

/** A private key with the `kid` and `alg` of its JWK. */
export interface VaultKey {
  readonly key: CryptoKey
  readonly kid: string
  readonly alg: string
}

/** The keys the vault holds. */
export interface VaultKeys {
  readonly signing: VaultKey
  readonly decryption: VaultKey
}

async function readPrivateJwk(secretsDir: string, file: string, alg: string): Promise<VaultKey> {
  const jwk = JSON.parse(readSecretFile(secretsDir, file)) as JWK
  if (jwk.alg !== alg || typeof jwk.kid !== 'string' || typeof jwk.d !== 'string') {
    throw new TypeError(`${file} must be a private ${alg} JWK with a kid`)
  }
  return { key: (await importJWK(jwk, alg)) as CryptoKey, kid: jwk.kid, alg }
}

/**
 * @example
 * ```ts
 * const keys = await loadVaultKeys(config.SECRETS_DIR)
 * ```
 */
export async function loadVaultKeys(secretsDir: string): Promise<VaultKeys> {
  return {
    signing: await readPrivateJwk(secretsDir, SECRET_FILES.signingKey, 'ES256'),
    decryption: await readPrivateJwk(secretsDir, SECRET_FILES.encryptionKey, 'ECDH-ES+A256KW'),
  }
}
