/**
 * The web's own client token for visitors who are not signed in (anonymous browsing): client
 * `web` asks the retail IdP for a `client_credentials` token for the gateway (`private_key_jwt`,
 * DPoP-bound to a key pair that lives in this process only). The gateway accepts such a user-less
 * token on the routes its policy lists for it (`GET /shopping/products`) and nowhere else.
 * One token is shared by all visitors and renewed shortly before it expires.
 */
import * as oidc from 'openid-client'
import type { GatewayCredential } from './gateway-routes.ts'
import { newDpopKey, type DpopKeyJwks, type SignInClient } from './sign-in.ts'

/** Renew this long before the token expires. */
const RENEW_MARGIN_MS = 30_000

export type AnonymousCredential = () => Promise<GatewayCredential>

/**
 * @example
 * const anonymous = createAnonymousCredential({ client: signIn.web, gatewayResource })
 * await callGateway(await anonymous(), { method: 'GET', path: '/shopping/products', traceId })
 */
export function createAnonymousCredential(options: {
  client: SignInClient
  clientId: 'web'
  gatewayResource: string
}): AnonymousCredential {
  let dpopKey: Promise<DpopKeyJwks> | undefined
  let current: { credential: GatewayCredential; renewAt: number } | undefined
  let pending: Promise<GatewayCredential> | undefined

  async function fetchToken(): Promise<GatewayCredential> {
    dpopKey ??= newDpopKey()
    const holder = { dpopKey: await dpopKey }
    const tokens = await oidc.clientCredentialsGrant(
      await options.client.configuration(),
      { resource: options.gatewayResource },
      { DPoP: await options.client.dpopOf(holder) },
    )
    const credential = {
      clientId: options.clientId,
      accessToken: tokens.access_token,
      dpopKey: holder.dpopKey,
    }
    current = {
      credential,
      renewAt: Date.now() + (tokens.expiresIn() ?? 60) * 1000 - RENEW_MARGIN_MS,
    }
    return credential
  }

  return async () => {
    if (current && current.renewAt > Date.now()) return current.credential
    // One request to the IdP however many visitors arrive at once; a failure is not cached.
    pending ??= fetchToken().finally(() => (pending = undefined))
    return pending
  }
}
