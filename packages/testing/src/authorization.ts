/**
 * The retail web clients as the IdP knows them, and the first leg of their sign-in: a pushed
 * authorization request (RFC 9126) with PKCE and `private_key_jwt`.
 */
import { randomBytes } from 'node:crypto'
import { clientAuth } from './client-auth.ts'
import { request } from './https.ts'
import type { Response } from './https.ts'

export const WEB_ORIGIN = 'https://localhost:3000'
export const REDIRECT = {
  web: `${WEB_ORIGIN}/auth/callback`,
  'web-staff': `${WEB_ORIGIN}/staff/auth/callback`,
}
export type BrowserClient = keyof typeof REDIRECT
/** Push an authorization request (PAR) for a browser client. */
export async function pushAuthorizationRequest(
  issuer: string,
  client: BrowserClient,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return request(`${issuer}/request`, {
    headers,
    form: { ...(await clientAuth(client, issuer)), ...params },
  })
}

/** The default authorization parameters (override any of them). */
export function authorizationParams(
  client: BrowserClient,
  challenge: string,
  extra: Record<string, string> = {},
) {
  return {
    response_type: 'code',
    redirect_uri: REDIRECT[client],
    scope:
      'openid profile offline_access orders:read orders:write customers:read recommendations:read tracking:read traces:read',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    // OpenID Connect grants offline_access (a refresh token) only with prompt=consent.
    prompt: 'consent',
    state: randomBytes(8).toString('hex'),
    ...extra,
  }
}
