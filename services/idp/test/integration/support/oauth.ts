/**
 * What a real client does, for the tests: `private_key_jwt` assertions with web's key, DPoP
 * proofs, PKCE, PAR, and a browser walking through the IdP's login/MFA/consent pages.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SignJWT, exportJWK, generateKeyPair, importJWK } from 'jose'
import type { CryptoKey, JWK } from 'jose'
import { CookieJar, request } from './https.ts'
import type { Response } from './https.ts'
import { paths } from './stack.ts'

export const WEB_ORIGIN = 'https://localhost:3000'
export const REDIRECT = {
  web: `${WEB_ORIGIN}/auth/callback`,
  'web-staff': `${WEB_ORIGIN}/staff/auth/callback`,
}
export type BrowserClient = keyof typeof REDIRECT
export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

/** A private JWK from a workload's secrets folder. */
export function secretJwk(service: string, file = 'signing-key.jwk.json'): JWK {
  return JSON.parse(readFileSync(join(paths.secrets(service), file), 'utf8')) as JWK
}

/** A `private_key_jwt` client assertion (RFC 7523) signed with web's key unless told otherwise. */
export async function clientAssertion(
  clientId: string,
  audience: string,
  opts: { jwk?: JWK; jti?: string; exp?: number; iat?: number } = {},
): Promise<string> {
  const jwk = opts.jwk ?? secretJwk('web')
  const key = await importJWK(jwk, 'ES256')
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid ?? '' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(opts.jti ?? randomUUID())
    .setIssuedAt(opts.iat ?? now)
    .setExpirationTime(opts.exp ?? now + 60)
    .sign(key)
}

/** Client authentication form fields for a browser client. */
export async function clientAuth(clientId: string, issuer: string) {
  return {
    client_id: clientId,
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: await clientAssertion(clientId, issuer),
  }
}

/** A DPoP key pair and proof factory (RFC 9449). */
export async function dpopKey() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(publicKey)
  return {
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

/** A PKCE verifier and its S256 challenge. */
export function pkce() {
  const verifier = randomBytes(32).toString('base64url')
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

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
      'openid profile offline_access orders:read orders:write customers:read recommendations:read tracking:read',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    // OpenID Connect grants offline_access (a refresh token) only with prompt=consent.
    prompt: 'consent',
    state: randomBytes(8).toString('hex'),
    ...extra,
  }
}

const location = (res: Response) => String(res.headers.location ?? '')

/** The `csrf` hidden field of an interaction page. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html)
  if (!m?.[1]) throw new Error('no csrf field on the page')
  return m[1]
}

/** A browser session at the IdP. */
export class Browser {
  readonly jar = new CookieJar()
  readonly issuer: string
  /** The browser's own address (loopback aliases let a test play clients on other addresses). */
  readonly localAddress: string | undefined
  constructor(issuer: string, localAddress?: string) {
    this.issuer = issuer
    this.localAddress = localAddress
  }

  get(url: string, headers: Record<string, string> = {}) {
    const { jar, localAddress } = this
    return request(new URL(url, this.issuer).toString(), { jar, headers, localAddress })
  }

  post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const { jar, localAddress } = this
    return request(new URL(url, this.issuer).toString(), { jar, form, headers, localAddress })
  }

  /** Follow IdP-internal redirects until one leaves the IdP or a page is shown. */
  async follow(res: Response): Promise<Response> {
    let current = res
    for (let i = 0; i < 10 && current.status >= 300 && current.status < 400; i++) {
      const next = new URL(location(current), this.issuer)
      if (next.origin !== new URL(this.issuer).origin) return current
      current = await this.get(next.toString())
    }
    return current
  }

  /** Start an authorization request by its `request_uri`; returns the first page shown. */
  async authorize(client: BrowserClient, requestUri: string): Promise<Response> {
    const url = `${this.issuer}/auth?client_id=${client}&request_uri=${encodeURIComponent(requestUri)}`
    return this.follow(await this.get(url))
  }

  /** Submit a form of the current interaction page (with `headers`) and follow redirects. */
  async submit(
    page: Response,
    action: 'login' | 'totp' | 'confirm' | 'abort',
    fields: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    const m = new RegExp(`action="(/interaction/[^"]+/${action})"`).exec(page.text)
    if (!m?.[1]) throw new Error(`page has no ${action} form: ${page.text.slice(0, 300)}`)
    return this.follow(await this.post(m[1], { csrf: csrfOf(page.text), ...fields }, headers))
  }
}

/** The authorization response parameters of a redirect to the client. */
export function callbackParams(res: Response): URLSearchParams {
  return new URL(location(res)).searchParams
}
