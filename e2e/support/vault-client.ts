/**
 * A registered client of the running card vault (tokenization-api, trust domain `cardvault`), as
 * order-fulfillment-api is one: mTLS with its certificate from the cardvault CA, the request
 * claims signed with its key (JWS) and then encrypted to the vault's published key (JWE), the
 * vault's answer a JWT signed by the vault. Every part can be left out or broken, so a spec
 * changes exactly the one thing its attack is about.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SECRET_FILES, stackPaths } from '@mythical/stack'
import { CompactEncrypt, importJWK, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose'
import { Agent } from 'undici'

const paths = stackPaths()
export const VAULT = 'tokenization-api'
export const VAULT_ID = 'spiffe://cardvault.mythical.example/tokenization-api'
export const FULFILLMENT_ID = 'spiffe://retail.mythical.example/order-fulfillment-api'

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>

/** The card vault's CA: the only CA the vault's clients trust for it. */
export const cardvaultCa = () => readFileSync(paths.caCert('cardvault'), 'utf8')

/** Where order-fulfillment-api keeps its certificate from the cardvault CA. */
export const fulfillmentVaultCertDir = () =>
  join(paths.secrets('order-fulfillment-api'), 'cardvault')

/** An mTLS agent to the vault presenting the certificate in `certDir`. */
export function vaultAgent(certDir: string): Agent {
  return new Agent({
    connect: {
      ca: cardvaultCa(),
      cert: readFileSync(join(certDir, SECRET_FILES.tlsCert), 'utf8'),
      key: readFileSync(join(certDir, SECRET_FILES.tlsKey), 'utf8'),
    },
  })
}

/** A key the vault published (`use` sig: it signs answers; enc: requests are encrypted to it). */
async function vaultKey(use: 'sig' | 'enc'): Promise<{ key: CryptoKey; kid: string }> {
  const { keys } = readJson(paths.publicJwks('cardvault', VAULT)) as { keys: JWK[] }
  const jwk = keys.find((k) => k.use === use)
  if (!jwk?.kid) throw new Error(`the vault publishes no ${use} key`)
  const alg = use === 'sig' ? 'ES256' : 'ECDH-ES+A256KW'
  return { key: (await importJWK(jwk, alg)) as CryptoKey, kid: jwk.kid }
}

/** order-fulfillment-api's request claims for `body`, valid for 30 s from now. */
export function requestClaims(body: Record<string, unknown>): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return { ...body, iss: FULFILLMENT_ID, aud: VAULT_ID, iat: now, exp: now + 30, jti: randomUUID() }
}

/** Signs `claims` with order-fulfillment-api's own key (ES256), as its vault client does. */
export async function signAsFulfillment(claims: Record<string, unknown>): Promise<string> {
  const jwk = readJson(join(paths.secrets('order-fulfillment-api'), SECRET_FILES.signingKey))
  const key = (await importJWK(jwk as JWK, 'ES256')) as CryptoKey
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'vault-request+jwt' })
    .sign(key)
}

/** Encrypts `content` (a JWS, or anything an attacker likes) to the vault's published key. */
export async function encryptToVault(content: string): Promise<string> {
  const { key, kid } = await vaultKey('enc')
  return new CompactEncrypt(new TextEncoder().encode(content))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid })
    .encrypt(key)
}

/** A tokenization request as order-fulfillment-api seals it. */
export const sealedCard = async (card: Record<string, unknown>) =>
  encryptToVault(await signAsFulfillment(requestClaims({ card })))

/** The vault's signed answer, verified against its published key and addressed to the client. */
export async function verifyVaultAnswer(jwt: string) {
  const { payload } = await jwtVerify(jwt, (await vaultKey('sig')).key, {
    issuer: VAULT_ID,
    audience: FULFILLMENT_ID,
    typ: 'vault-answer+jwt',
    algorithms: ['ES256'],
  })
  return payload
}
