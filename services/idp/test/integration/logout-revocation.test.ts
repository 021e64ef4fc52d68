/**
 * RP-initiated logout ends the IdP session (confirmation page under the strict CSP), and
 * revocation (RFC 7009) kills a refresh token.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  assertDenied,
  newTrace,
  redeemCode,
  signIn,
  type TokenSet,
  request,
  WEB_ORIGIN,
  authorizationParams,
  clientAuth,
  dpopKey,
  pkce,
  pushAuthorizationRequest,
  requireStack,
} from '@mythical/testing'
import { startIdp } from './support/idp-server.ts'
import type { RunningIdp } from './support/idp-server.ts'

let run: RunningIdp

before(async () => {
  requireStack()
  run = await startIdp()
})
after(() => run.stop())

test('RP-initiated logout ends the session', async () => {
  const signedIn = await signIn(run.issuer, { username: 'katie', password: 'katie-loves-shopping' })
  const { browser } = signedIn
  const confirm = await browser.get(
    `/session/end?client_id=web&post_logout_redirect_uri=${encodeURIComponent(`${WEB_ORIGIN}/`)}`,
  )
  assert.equal(confirm.status, 200)
  assert.match(String(confirm.headers['content-security-policy']), /script-src 'none'/)
  assert.doesNotMatch(confirm.text, /<script|<style/i)
  const action = /action="([^"]+)"/.exec(confirm.text)?.[1] ?? ''
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)?.[1] ?? ''
  const done = await browser.post(action, { xsrf, logout: 'yes' })
  assert.equal(done.status, 303)
  assert.equal(done.headers.location, `${WEB_ORIGIN}/`)

  const par = await pushAuthorizationRequest(
    run.issuer,
    'web',
    authorizationParams('web', pkce().challenge),
  )
  const page = await browser.authorize('web', par.json<{ request_uri: string }>().request_uri)
  assert.equal(page.status, 200)
  assert.match(
    page.text,
    /action="\/interaction\/[^"]+\/login"/,
    'signed out: the login page again',
  )
})

test('a revoked refresh token no longer works', async () => {
  const signedIn = await signIn(run.issuer, { username: 'bob', password: 'bob-buys-bikes' })
  const dpop = await dpopKey()
  const tokens = (await redeemCode(run.issuer, signedIn, {}, dpop)).json<TokenSet>()
  const revoked = await request(`${run.issuer}/token/revocation`, {
    form: {
      ...(await clientAuth('web', run.issuer)),
      token: tokens.refresh_token ?? '',
      token_type_hint: 'refresh_token',
    },
  })
  assert.equal(revoked.status, 200)
  const trace = newTrace()
  const refresh = await request(`${run.issuer}/token`, {
    headers: { ...trace.headers, dpop: await dpop.proof('POST', `${run.issuer}/token`) },
    form: {
      ...(await clientAuth('web', run.issuer)),
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
    },
  })
  assert.equal(refresh.status, 400)
  assert.equal(refresh.json().error, 'invalid_grant')
  // The refusal table has no row for an unknown/revoked refresh token: it falls back to the
  // OAuth error (see test/unit/audit/refusal-reasons.test.ts).
  assertDenied(run, trace, {
    reason: 'oauth.invalid_grant',
    boundary: 'TB02',
    secrets: [tokens.refresh_token ?? '', tokens.access_token],
  })
})

/** What the gateway learns about a token by introspecting it (RFC 7662). */
async function introspected(token: string): Promise<boolean> {
  const res = await request(`${run.mtlsUrl}/token/introspection`, {
    as: 'gateway',
    headers: { accept: 'application/json' },
    form: { client_id: 'gateway', token },
  })
  assert.equal(res.status, 200, res.text)
  return res.json<{ active: boolean }>().active
}

test('revocation policy: a client revokes its own token, never another client’s', async () => {
  const signedIn = await signIn(run.issuer, { username: 'katie', password: 'katie-loves-shopping' })
  const tokens = (await redeemCode(run.issuer, signedIn)).json<TokenSet>()

  // The gateway (another client, authenticated by its certificate) tries to revoke web's token.
  const trace = newTrace()
  const foreign = await request(`${run.mtlsUrl}/token/revocation`, {
    as: 'gateway',
    headers: trace.headers,
    form: { client_id: 'gateway', token: tokens.access_token, token_type_hint: 'access_token' },
  })
  assert.equal(foreign.status, 400, foreign.text)
  assert.equal(foreign.json().error, 'unauthorized_client')
  assertDenied(run, trace, {
    reason: 'revocation.not_own_token',
    boundary: 'TB02',
    secrets: [tokens.access_token],
  })
  assert.equal(await introspected(tokens.access_token), true, 'the token survived')

  const own = await request(`${run.issuer}/token/revocation`, {
    form: {
      ...(await clientAuth('web', run.issuer)),
      token: tokens.access_token,
      token_type_hint: 'access_token',
    },
  })
  assert.equal(own.status, 200, own.text)
  assert.equal(await introspected(tokens.access_token), false, 'web revoked its own token')
})
