/**
 * Restart the IdP mid-session: the browser session, the grant and the refresh token live in
 * PostgreSQL, so after a restart the user is still signed in and the refresh token still works.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  redeemCode,
  signIn,
  type TokenSet,
  request,
  authorizationParams,
  callbackParams,
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

test('sessions and refresh tokens survive an IdP restart', async () => {
  const signedIn = await signIn(run.issuer, { username: 'katie', password: 'katie-loves-shopping' })
  const dpop = await dpopKey()
  const first = await redeemCode(run.issuer, signedIn, {}, dpop)
  assert.equal(first.status, 200, first.text)
  const tokens = first.json<TokenSet>()

  const ports = { edge: Number(new URL(run.issuer).port), mtls: Number(new URL(run.mtlsUrl).port) }
  await run.stop()
  run = await startIdp({ ports })

  // Refresh with the same DPoP key: the refresh token was found in PostgreSQL.
  const refreshed = await request(`${run.issuer}/token`, {
    headers: { dpop: await dpop.proof('POST', `${run.issuer}/token`) },
    form: {
      ...(await clientAuth('web', run.issuer)),
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token ?? '',
    },
  })
  assert.equal(refreshed.status, 200, refreshed.text)
  assert.ok(refreshed.json<TokenSet>().access_token)

  // The browser's session cookie still identifies Katie: no login page, straight back with a code.
  const par = await pushAuthorizationRequest(
    run.issuer,
    'web',
    authorizationParams('web', pkce().challenge, { prompt: '' }),
  )
  assert.equal(par.status, 201, par.text)
  const res = await signedIn.browser.authorize(
    'web',
    par.json<{ request_uri: string }>().request_uri,
  )
  assert.equal(res.status, 303, res.text.slice(0, 300))
  assert.ok(callbackParams(res).get('code'))
})
