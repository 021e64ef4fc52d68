/**
 * A shopper signed in for real at the running retail IdP, the way the web BFF does it: PAR +
 * PKCE (S256) + the login and consent pages, the code redeemed by client `web` with
 * `private_key_jwt` (its key from `.stack/secrets/web/`) and a DPoP proof, for the gateway's
 * resource — so the access token is the opaque, DPoP-bound token the gateway accepts.
 */
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose'
import type { JWK } from 'jose'
import { resourceUri, serviceByName } from '@mythical/stack'
import { redeemCode, signIn, type TokenSet, request, clientAuth, dpopKey } from '@mythical/testing'

/** The retail IdP's issuer (public contract). */
export const IDP_ISSUER = 'https://localhost:4000'
/** Resource indicator (and token audience) of the gateway. */
export const GATEWAY_RESOURCE = resourceUri(serviceByName('gateway'))

/** A DPoP key pair and its proof factory: `proof(htm, htu, accessToken?)`. */
export type DpopKey = Awaited<ReturnType<typeof dpopKey>>

/** A signed-in shopper: her gateway access token and the DPoP key it is bound to. */
export interface ShopperSession {
  readonly username: string
  readonly accessToken: string
  readonly dpop: DpopKey
}

export const DEMO_SHOPPERS = {
  katie: 'katie-loves-shopping',
  bob: 'bob-buys-bikes',
} as const

/** A fresh DPoP key pair (RFC 9449). */
export const newDpopKey = (): Promise<DpopKey> => dpopKey()

/**
 * Signs `username` in through the real pages and redeems the code for a DPoP-bound gateway token,
 * with the web client's scopes or, when given, `scope` only.
 *
 * @example const katie = await signInShopper('katie')
 */
export async function signInShopper(
  username: keyof typeof DEMO_SHOPPERS,
  resource: string = GATEWAY_RESOURCE,
  scope?: string,
): Promise<ShopperSession> {
  // RFC 8707: the resource is named in the authorization request and again at the token endpoint.
  const signedIn = await signIn(IDP_ISSUER, {
    username,
    password: DEMO_SHOPPERS[username],
    params: { resource, ...(scope ? { scope } : {}) },
  })
  const dpop = await dpopKey()
  const response = await redeemCode(IDP_ISSUER, signedIn, { resource }, dpop)
  if (response.status !== 200) {
    throw new Error(`token request failed: ${response.status} ${response.text.slice(0, 300)}`)
  }
  const tokens = response.json<TokenSet>()
  if (tokens.token_type !== 'DPoP')
    throw new Error(`expected a DPoP token, got ${tokens.token_type}`)
  return { username, accessToken: tokens.access_token, dpop }
}

/** Revokes an access token at the IdP (RFC 7009), as web does on sign-out. */
export async function revokeAccessToken(accessToken: string): Promise<void> {
  const response = await request(`${IDP_ISSUER}/token/revocation`, {
    form: {
      ...(await clientAuth('web', IDP_ISSUER)),
      token: accessToken,
      token_type_hint: 'access_token',
    },
  })
  if (response.status !== 200) throw new Error(`revocation failed: ${response.status}`)
}

/** The public JWK of a DPoP key and its RFC 7638 thumbprint (a token's `cnf.jkt`). */
export async function dpopPublicKey(dpop: DpopKey): Promise<{ jwk: JWK; jkt: string }> {
  const { jwk } = decodeProtectedHeader(await dpop.proof('GET', IDP_ISSUER))
  if (!jwk) throw new Error('a DPoP proof carries its public key')
  return { jwk, jkt: await calculateJwkThumbprint(jwk) }
}
