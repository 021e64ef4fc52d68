/**
 * The real retail IdP for the gateway's integration tests, and Katie signing in to it as the web
 * BFF does (PAR + PKCE + private_key_jwt, DPoP-bound tokens), with the shared test support
 * (`@mythical/testing`): the IdP runs as its own process, never imported into this suite.
 */
import {
  redeemCode,
  signIn,
  type TokenSet,
  request,
  clientAuth,
  requireStack,
  startIdpProcess,
  type IdpProcess,
  paths,
} from '@mythical/testing'
import { resourceUri, serviceByName } from '@mythical/stack'
import type { DpopClient } from '../helpers/dpop-client.ts'

const GATEWAY_RESOURCE = resourceUri(serviceByName('gateway'))

export { requireStack, paths, startIdpProcess as startIdp, type IdpProcess as RunningIdp }

/** Katie's opaque gateway access token, DPoP-bound to `client`'s key. */
export async function katieToken(issuer: string, client: DpopClient): Promise<string> {
  const signedIn = await signIn(issuer, { username: 'katie', password: 'katie-loves-shopping' })
  const res = await redeemCode(
    issuer,
    signedIn,
    {},
    { proof: (htm, htu) => client.proof(htm, htu) },
  )
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.text}`)
  return res.json<TokenSet>().access_token
}

/**
 * The web client's own opaque gateway token (`client_credentials`, no user), DPoP-bound to
 * `client`'s key: what the BFF holds for anonymous browsing.
 */
export async function webClientToken(issuer: string, client: DpopClient): Promise<string> {
  const res = await request(`${issuer}/token`, {
    headers: { dpop: await client.proof('POST', `${issuer}/token`) },
    form: {
      ...(await clientAuth('web', issuer)),
      grant_type: 'client_credentials',
      resource: GATEWAY_RESOURCE,
    },
  })
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.text}`)
  const tokens = res.json<TokenSet>()
  if (tokens.token_type !== 'DPoP') throw new Error(`a ${tokens.token_type} token, not DPoP-bound`)
  return tokens.access_token
}

/** Revokes an access token at the IdP (RFC 7009) as the web client. */
export async function revoke(issuer: string, token: string): Promise<number> {
  const res = await request(`${issuer}/token/revocation`, {
    form: { ...(await clientAuth('web', issuer)), token, token_type_hint: 'access_token' },
  })
  return res.status
}
