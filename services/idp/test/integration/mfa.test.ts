/**
 * TB11 — staff authentication: password + TOTP gives the MFA `acr`/`amr`; without the second
 * factor there is no MFA acr (no code at all for staff); wrong and replayed codes are refused;
 * repeated failures from one address make it wait (more in sign-in-abuse.test.ts); a client
 * demanding MFA (`acr_values`) is honoured.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose'
import { THROTTLE_RULES } from '../../src/accounts/sign-in-throttle.ts'
import { createTestAccount, deleteTestAccounts } from './support/accounts.ts'
import type { TestAccount } from './support/accounts.ts'
import {
  redeemCode,
  signIn,
  totpNow,
  type TokenSet,
  assertDenied,
  newTrace,
  request,
  Browser,
  authorizationParams,
  pkce,
  pushAuthorizationRequest,
  type BrowserClient,
  requireStack,
} from '@mythical/testing'
import { startIdp } from './support/idp-server.ts'
import type { RunningIdp } from './support/idp-server.ts'

const ACR_MFA = 'urn:mythical:acr:mfa'
const LOCKOUT_THRESHOLD = THROTTLE_RULES['password:pair'].threshold
let run: RunningIdp
const created: TestAccount[] = []

before(async () => {
  requireStack()
  run = await startIdp()
})
after(async () => {
  await deleteTestAccounts(run, created)
  await run.stop()
})

async function staff(): Promise<TestAccount> {
  const account = await createTestAccount(run, { staff: true })
  created.push(account)
  return account
}

/** Open the login page of a fresh authorization request. */
async function loginPage(client: BrowserClient = 'web-staff', params: Record<string, string> = {}) {
  const browser = new Browser(run.issuer)
  const scope =
    client === 'web-staff' ? 'openid profile customers:read' : 'openid profile orders:read'
  const par = await pushAuthorizationRequest(
    run.issuer,
    client,
    authorizationParams(client, pkce().challenge, { scope, ...params }),
  )
  assert.equal(par.status, 201, par.text)
  const page = await browser.authorize(client, par.json<{ request_uri: string }>().request_uri)
  assert.equal(page.status, 200)
  return { browser, page }
}

describe('password + TOTP', () => {
  test('a sales associate with password and TOTP gets MFA acr/amr in ID and access tokens', async () => {
    const sam = await staff()
    const signedIn = await signIn(run.issuer, {
      client: 'web-staff',
      ...sam,
      params: { scope: 'openid profile customers:read' },
    })
    const res = await redeemCode(run.issuer, signedIn)
    assert.equal(res.status, 200, res.text)
    const tokens = res.json<TokenSet>()
    const idToken = decodeJwt(tokens.id_token ?? '')
    assert.equal(idToken.acr, ACR_MFA)
    assert.deepEqual(idToken.amr, ['pwd', 'otp', 'mfa'])
    assert.deepEqual(idToken.groups, ['sales-associate'])
    // The opaque gateway token carries them too (seen by the gateway through introspection).
    const introspection = await request(`${run.mtlsUrl}/token/introspection`, {
      as: 'gateway',
      headers: { accept: 'application/json' },
      form: { client_id: 'gateway', token: tokens.access_token },
    })
    const claims = introspection.json()
    assert.equal(claims.active, true)
    assert.equal(claims.acr, ACR_MFA)
    assert.deepEqual(claims.groups, ['sales-associate'])
  })

  test('without the TOTP step a sales associate gets no code, hence no MFA acr', async () => {
    const sam = await staff()
    const { browser, page } = await loginPage()
    const next = await browser.submit(page, 'login', {
      username: sam.username,
      password: sam.password,
    })
    assert.equal(next.status, 200)
    assert.match(next.text, /One-time code/)
    assert.equal(next.headers.location, undefined)
    // Skipping ahead to the authorization endpoint's resume does not complete the login.
    const uid = /\/interaction\/([^/"]+)\/totp/.exec(next.text)?.[1] ?? ''
    const resumed = await browser.follow(await browser.get(`/auth/${uid}`))
    assert.equal(resumed.status, 200, 'the user is sent back to sign in, not to the client')
    assert.match(resumed.text, /action="\/interaction\/[^"]+\/login"/)
  })

  test('a wrong TOTP code is refused and announced', async () => {
    const sam = await staff()
    const { browser, page } = await loginPage()
    const totp = await browser.submit(page, 'login', {
      username: sam.username,
      password: sam.password,
    })
    const wrong = String((Number(await totpNow(sam.totpSecret ?? '')) + 1) % 1_000_000).padStart(
      6,
      '0',
    )
    const trace = newTrace()
    const res = await browser.submit(totp, 'totp', { code: wrong }, trace.headers)
    assert.equal(res.status, 401)
    assert.match(res.text, /role="alert"[^>]*>That code is not valid/)
    assertDenied(run, trace, {
      reason: 'mfa.bad_code',
      boundary: 'TB11',
      secrets: [sam.totpSecret ?? '', sam.password],
    })
  })

  test('a replayed TOTP code is refused', async () => {
    const sam = await staff()
    const first = await signIn(run.issuer, {
      client: 'web-staff',
      ...sam,
      params: { scope: 'openid customers:read' },
    })
    assert.ok(first.code)
    assert.ok(first.totpCode)
    const { browser, page } = await loginPage()
    const totp = await browser.submit(page, 'login', {
      username: sam.username,
      password: sam.password,
    })
    const trace = newTrace()
    // The very code the first sign-in used: a fresh totpNow() would be another code once the
    // 30 s step turns over between the two sign-ins.
    const res = await browser.submit(totp, 'totp', { code: first.totpCode }, trace.headers)
    assert.equal(res.status, 401)
    assert.match(res.text, /already used/)
    assertDenied(run, trace, {
      reason: 'mfa.replayed_code',
      boundary: 'TB11',
      secrets: [sam.totpSecret ?? '', sam.password],
    })
  })

  test(`after ${LOCKOUT_THRESHOLD} failures from one address it must wait, even with the right password`, async () => {
    const sam = await staff()
    const { browser, page } = await loginPage()
    let current = page
    const wrongPassword = 'wrong-password'
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
      const trace = newTrace()
      current = await browser.submit(
        current,
        'login',
        { username: sam.username, password: wrongPassword },
        trace.headers,
      )
      assert.equal(current.status, 401)
      assertDenied(run, trace, {
        reason: 'login.bad_password',
        boundary: 'TB02',
        secrets: [wrongPassword],
      })
    }
    const trace = newTrace()
    const locked = await browser.submit(
      current,
      'login',
      { username: sam.username, password: sam.password },
      trace.headers,
    )
    assert.equal(locked.status, 429)
    assert.match(String(locked.headers['retry-after']), /^[1-9]\d*$/)
    assert.match(locked.text, /Too many failed attempts/)
    assertDenied(run, trace, {
      reason: 'login.throttled',
      boundary: 'TB02',
      secrets: [sam.password],
    })
  })

  test('a client demanding MFA (acr_values) is honoured: a customer without TOTP is refused', async () => {
    const { browser, page } = await loginPage('web', { acr_values: ACR_MFA })
    const trace = newTrace()
    const res = await browser.submit(
      page,
      'login',
      { username: 'katie', password: 'katie-loves-shopping' },
      trace.headers,
    )
    assert.equal(res.status, 403)
    assert.match(res.text, /requires a one-time code/)
    assertDenied(run, trace, {
      reason: 'mfa.not_enrolled',
      boundary: 'TB11',
      secrets: ['katie-loves-shopping'],
    })
  })
})

describe('interaction pages', () => {
  test('are CSP-locked, labelled, and refuse a form without the CSRF token', async () => {
    const { browser, page } = await loginPage()
    const csp = String(page.headers['content-security-policy'])
    assert.match(csp, /script-src 'none'/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.doesNotMatch(page.text, /<script/i)
    assert.match(page.text, /<label for="username">/)
    assert.match(page.text, /<label for="password">/)
    const action = /action="(\/interaction\/[^"]+\/login)"/.exec(page.text)?.[1] ?? ''
    const trace = newTrace()
    const forged = await browser.post(
      action,
      { username: 'katie', password: 'katie-loves-shopping' },
      trace.headers,
    )
    assert.equal(forged.status, 403)
    assertDenied(run, trace, {
      reason: 'interaction.csrf',
      boundary: 'TB02',
      secrets: ['katie-loves-shopping'],
    })
    const crossSite = await browser.post(
      action,
      {
        csrf: /name="csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '',
        username: 'x',
        password: 'y',
      },
      { origin: 'https://evil.example' },
    )
    assert.equal(crossSite.status, 403)
  })
})

describe('introspection (gateway only, RFC 9701 signed responses)', () => {
  test('the gateway gets a signed JWT answer; any other client learns nothing', async () => {
    const signedIn = await signIn(run.issuer, {
      username: 'katie',
      password: 'katie-loves-shopping',
    })
    const { access_token: token } = (await redeemCode(run.issuer, signedIn)).json<TokenSet>()
    const res = await request(`${run.mtlsUrl}/token/introspection`, {
      as: 'gateway',
      headers: { accept: 'application/token-introspection+jwt' },
      form: { client_id: 'gateway', token },
    })
    assert.equal(res.status, 200)
    assert.match(String(res.headers['content-type']), /^application\/token-introspection\+jwt/)
    const jwks = createLocalJWKSet((await request(`${run.issuer}/jwks`)).json())
    const { payload, protectedHeader } = await jwtVerify(res.text, jwks, {
      issuer: run.issuer,
      audience: 'gateway',
      typ: 'token-introspection+jwt',
    })
    assert.equal(protectedHeader.alg, 'ES256')
    const claims = payload.token_introspection as Record<string, unknown>
    assert.equal(claims.active, true)
    assert.equal(claims.sub, 'katie')
    assert.equal(claims.aud, 'https://gateway.retail.mythical.example')

    const trace = newTrace()
    const other = await request(`${run.mtlsUrl}/token/introspection`, {
      as: 'my-shopping-api',
      headers: { ...trace.headers, accept: 'application/json' },
      form: { client_id: 'my-shopping-api', token },
    })
    assert.equal(other.status, 200)
    assert.deepEqual(other.json(), { active: false })
    assertDenied(run, trace, {
      reason: 'introspection.not_allowed',
      boundary: 'TB03',
      secrets: [token],
    })
  })
})

describe('step-up', () => {
  test('a password session does not satisfy a later request for MFA: the login page comes back', async () => {
    const signedIn = await signIn(run.issuer, {
      username: 'katie',
      password: 'katie-loves-shopping',
    })
    const par = await pushAuthorizationRequest(
      run.issuer,
      'web',
      authorizationParams('web', pkce().challenge, { acr_values: ACR_MFA, prompt: '' }),
    )
    const page = await signedIn.browser.authorize(
      'web',
      par.json<{ request_uri: string }>().request_uri,
    )
    assert.equal(page.status, 200, 'no silent single sign-on with a password-only session')
    assert.match(page.text, /action="\/interaction\/[^"]+\/login"/)
  })
})
