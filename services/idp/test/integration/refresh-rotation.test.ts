/**
 * TB02 — refresh token rotation with reuse detection (RFC 9700 §4.14.2): every refresh returns a
 * new refresh token and consumes the old one; presenting a consumed refresh token again means
 * two parties hold it, so the IdP refuses it (`invalid_grant`) and revokes the whole grant —
 * the refresh token and access token the legitimate refresh produced stop working too.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTestAccount, deleteTestAccounts } from './support/accounts.ts'
import type { TestAccount } from './support/accounts.ts'
import {
  assertDenied,
  newTrace,
  recordsOf,
  redeemCode,
  signIn,
  type TokenSet,
  request,
  clientAuth,
  dpopKey,
  requireStack,
} from '@mythical/testing'
import { startIdp } from './support/idp-server.ts'
import type { RunningIdp } from './support/idp-server.ts'

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

test('a refresh rotates the refresh token; reusing the old one revokes the grant', async () => {
  const customer = await createTestAccount(run)
  created.push(customer)
  const signedIn = await signIn(run.issuer, customer)
  const dpop = await dpopKey()
  const first = (await redeemCode(run.issuer, signedIn, {}, dpop)).json<TokenSet>()
  assert.ok(first.refresh_token)
  const refresh = async (refreshToken: string, headers: Record<string, string> = {}) =>
    request(`${run.issuer}/token`, {
      headers: { ...headers, dpop: await dpop.proof('POST', `${run.issuer}/token`) },
      form: {
        ...(await clientAuth('web', run.issuer)),
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      },
    })
  const introspect = async (token: string) =>
    (
      await request(`${run.mtlsUrl}/token/introspection`, {
        as: 'gateway',
        headers: { accept: 'application/json' },
        form: { client_id: 'gateway', token },
      })
    ).json<{ active: boolean }>().active

  const rotated = await refresh(first.refresh_token)
  assert.equal(rotated.status, 200, rotated.text)
  const second = rotated.json<TokenSet>()
  assert.ok(second.refresh_token)
  assert.notEqual(second.refresh_token, first.refresh_token, 'a new refresh token every time')
  assert.equal(await introspect(second.access_token), true)

  const trace = newTrace()
  const reused = await refresh(first.refresh_token, trace.headers)
  assert.equal(reused.status, 400)
  assert.equal(reused.json().error, 'invalid_grant')
  const secrets = [first.refresh_token, second.refresh_token, second.access_token]
  assertDenied(run, trace, { reason: 'oauth.invalid_grant', boundary: 'TB02', secrets })
  assert.ok(
    recordsOf(run, trace).some((r) => r.reason === 'grant.revoked' && r.decision === 'deny'),
    'the revocation of the grant is audited on the same request',
  )

  const afterReuse = await refresh(second.refresh_token)
  assert.equal(afterReuse.status, 400, 'the rotated refresh token died with its grant')
  assert.equal(afterReuse.json().error, 'invalid_grant')
  assert.equal(await introspect(second.access_token), false, 'so did its access token')
})
