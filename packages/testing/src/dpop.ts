/** A DPoP key pair and proof factory (RFC 9449), as a sender-constrained client holds one. */
import { createHash, randomUUID } from 'node:crypto'
import { SignJWT, exportJWK, generateKeyPair } from 'jose'
import type { CryptoKey, JWK } from 'jose'

export interface DpopKey {
  /** The public key the proofs carry (its thumbprint is the token's `cnf.jkt`). */
  readonly publicJwk: JWK
  /** A proof for one request; `accessToken` adds its `ath`. */
  proof(htm: string, htu: string, accessToken?: string): Promise<string>
}

/**
 * @example
 * ```ts
 * const key = await dpopKey()
 * headers.dpop = await key.proof('POST', `${issuer}/token`)
 * ```
 */
export async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(publicKey)
  return {
    publicJwk: jwk,
    async proof(htm: string, htu: string, accessToken?: string): Promise<string> {
      return new SignJWT({
        htm,
        htu,
        ...(accessToken
          ? { ath: createHash('sha256').update(accessToken).digest('base64url') }
          : {}),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .setJti(randomUUID())
        .setIssuedAt()
        .sign(privateKey as CryptoKey)
    },
  }
}
