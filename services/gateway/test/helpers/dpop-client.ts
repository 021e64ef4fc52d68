/**
 * A DPoP client for the gateway's tests: an ES256 key and proofs for a request (RFC 9449), with
 * overrides to forge the bad ones.
 */
import { randomUUID } from 'node:crypto'
import { accessTokenHash } from '@mythical/oauth'
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose'

/** A client's DPoP key. */
export interface DpopClient {
  /** RFC 7638 thumbprint: what the token's `cnf.jkt` names. */
  readonly jkt: string
  /** A proof for `method` and `url`; with `accessToken`, its hash as `ath`. */
  proof(
    method: string,
    url: string,
    accessToken?: string,
    claims?: Record<string, unknown>,
  ): Promise<string>
}

/**
 * @example
 * ```ts
 * const client = await dpopClient()
 * const dpop = await client.proof('GET', 'https://localhost:8443/shopping/products', token)
 * ```
 */
export async function dpopClient(): Promise<DpopClient> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const jwk: JWK = await exportJWK(publicKey)
  return {
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    proof: (method, url, accessToken, claims = {}) =>
      new SignJWT({
        htm: method,
        htu: url,
        ...(accessToken === undefined ? {} : { ath: accessTokenHash(accessToken) }),
        ...claims,
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
        .setJti(randomUUID())
        .setIssuedAt()
        .sign(privateKey),
  }
}
