/**
 * Whole flows built from the client helpers: sign in through the real pages (PAR + PKCE +
 * `private_key_jwt`, login, TOTP, consent) and redeem the code with a DPoP proof.
 */
import assert from 'node:assert/strict'
import { authorizationParams, pushAuthorizationRequest, REDIRECT } from './authorization.ts'
import type { BrowserClient } from './authorization.ts'
import { Browser, callbackParams } from './browser.ts'
import { clientAuth } from './client-auth.ts'
import { dpopKey } from './dpop.ts'
import type { DpopKey } from './dpop.ts'
import { request } from './https.ts'
import type { Response } from './https.ts'
import { pkce } from './pkce.ts'
import { totpNow } from './totp.ts'

export interface SignInOptions {
  client?: BrowserClient
  username: string
  password: string
  /** Base32 TOTP secret to answer the MFA page with. */
  totpSecret?: string
  params?: Record<string, string>
  browser?: Browser
}

/**
 * Sign in through PAR + the login (+ TOTP) + consent pages; returns the code and its verifier, and
 * the TOTP code it answered with.
 */
export async function signIn(issuer: string, opts: SignInOptions) {
  const client = opts.client ?? 'web'
  const browser = opts.browser ?? new Browser(issuer)
  const { verifier, challenge } = pkce()
  const params = authorizationParams(client, challenge, opts.params)
  const par = await pushAuthorizationRequest(issuer, client, params)
  assert.equal(par.status, 201, par.text)
  let page = await browser.authorize(client, par.json<{ request_uri: string }>().request_uri)
  let totpCode: string | undefined
  if (page.status === 200 && page.text.includes('/login"')) {
    page = await browser.submit(page, 'login', { username: opts.username, password: opts.password })
  }
  if (page.status === 200 && page.text.includes('/totp"')) {
    assert.ok(opts.totpSecret, 'the IdP asked for a TOTP code')
    totpCode = await totpNow(opts.totpSecret)
    page = await browser.submit(page, 'totp', { code: totpCode })
  }
  if (page.status === 200 && page.text.includes('/confirm"')) {
    page = await browser.submit(page, 'confirm')
  }
  assert.equal(
    page.status,
    303,
    `expected a redirect to the client, got ${page.status}: ${page.text.slice(0, 500)}`,
  )
  const callback = callbackParams(page)
  assert.equal(callback.get('state'), params.state)
  return {
    browser,
    callback,
    code: callback.get('code') ?? '',
    verifier,
    client,
    redirectUri: REDIRECT[client],
    /** The TOTP code the MFA page was answered with, if it asked: a replay test resends it. */
    totpCode,
  }
}

/**
 * Redeem a code at the token endpoint with private_key_jwt and a DPoP proof (plus `headers`,
 * e.g. a test's `traceparent`).
 */
export async function redeemCode(
  issuer: string,
  signedIn: { code: string; verifier: string; client: BrowserClient; redirectUri: string },
  overrides: Record<string, string> = {},
  dpop?: Pick<DpopKey, 'proof'>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const key = dpop ?? (await dpopKey())
  return request(`${issuer}/token`, {
    headers: { ...headers, dpop: await key.proof('POST', `${issuer}/token`) },
    form: {
      ...(await clientAuth(signedIn.client, issuer)),
      grant_type: 'authorization_code',
      code: signedIn.code,
      redirect_uri: signedIn.redirectUri,
      code_verifier: signedIn.verifier,
      ...overrides,
    },
  })
}

/** Tokens of a successful token response. */
export interface TokenSet {
  access_token: string
  token_type: string
  id_token?: string
  refresh_token?: string
  scope?: string
  expires_in: number
}
