/**
 * Access tokens an attacker makes up: JWTs with every claim the gateway could want (Katie, the
 * gateway's audience, bound to the attacker's own DPoP key), made acceptable-looking in the ways
 * known to fool careless verifiers — a key nobody trusts, `alg: none`, HS256 keyed with the IdP's
 * *public* key (algorithm confusion), and `jku` / `x5u` / `jwk` headers pointing verification at
 * keys the attacker controls. The gateway must accept none of them.
 */
import { randomUUID } from 'node:crypto'
import { SignJWT, UnsecuredJWT, exportJWK, exportSPKI, generateKeyPair, importJWK } from 'jose'
import type { CryptoKey, JWK, JWTPayload } from 'jose'
import { request } from '@mythical/testing'
import { GATEWAY_RESOURCE, IDP_ISSUER, dpopPublicKey } from './shopper.ts'
import type { ShopperSession } from './shopper.ts'

/** Where an attacker would host the keys a `jku` / `x5u` header points to (never fetched). */
const ATTACKER_ORIGIN = 'https://attacker.example'

/** The claims of a gateway token for `session`'s user, bound to `session`'s DPoP key. */
async function claimsFor(session: ShopperSession): Promise<JWTPayload> {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: IDP_ISSUER,
    aud: GATEWAY_RESOURCE,
    sub: session.username,
    client_id: 'web',
    scope: 'openid orders:read orders:write',
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    cnf: { jkt: (await dpopPublicKey(session.dpop)).jkt },
  }
}

const attackerKey = () => generateKeyPair('ES256', { extractable: true })

/** The IdP's published signing keys (its JWKS, from discovery). */
async function idpPublicKeys(): Promise<JWK[]> {
  const discovery = await request(`${IDP_ISSUER}/.well-known/openid-configuration`)
  const jwksUri = discovery.json<{ jwks_uri: string }>().jwks_uri
  return (await request(jwksUri)).json<{ keys: JWK[] }>().keys
}

/** Signed ES256 by a key the IdP never published (with a `kid` nobody knows). */
export async function signedByUnknownKey(session: ShopperSession): Promise<string> {
  const { privateKey } = await attackerKey()
  return new SignJWT(await claimsFor(session))
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: randomUUID() })
    .sign(privateKey)
}

/** `alg: none`: no signature at all. */
export async function unsigned(session: ShopperSession): Promise<string> {
  return new UnsecuredJWT(await claimsFor(session)).encode()
}

/**
 * HS256 with the IdP's public key (PEM) as the HMAC secret, under the IdP's real `kid`: a
 * verifier that lets the token pick the algorithm would check it with that very key.
 */
export async function hs256WithIdpPublicKey(session: ShopperSession): Promise<string> {
  const [published] = (await idpPublicKeys()).filter((key) => key.kty === 'EC' || key.kty === 'RSA')
  if (!published?.alg) throw new Error('the IdP publishes no asymmetric signing key')
  const pem = await exportSPKI((await importJWK(published, published.alg)) as CryptoKey)
  return new SignJWT(await claimsFor(session))
    .setProtectedHeader({
      alg: 'HS256',
      typ: 'at+jwt',
      ...(published.kid ? { kid: published.kid } : {}),
    })
    .sign(new TextEncoder().encode(pem))
}

/** The header members that tell a naive verifier where to get the verification key. */
export type KeyHeader = 'jku' | 'x5u' | 'jwk'

/** Signed by the attacker's key, with a header member that names that key as the one to use. */
export async function withKeyHeader(session: ShopperSession, header: KeyHeader): Promise<string> {
  const { privateKey, publicKey } = await attackerKey()
  const injected =
    header === 'jwk'
      ? { jwk: await exportJWK(publicKey) }
      : { [header]: `${ATTACKER_ORIGIN}/${header === 'jku' ? 'jwks.json' : 'cert.pem'}` }
  return new SignJWT(await claimsFor(session))
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: randomUUID(), ...injected })
    .sign(privateKey)
}
