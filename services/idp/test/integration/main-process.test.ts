/**
 * `src/main.ts` as the runner starts it (own process, `serviceEnvironment`, free ports), through
 * `startIdpProcess` of `@mythical/testing` — the way other services' tests use the IdP.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { redeemCode, requireStack, signIn, startIdpProcess, type TokenSet } from '@mythical/testing'

test('the IdP runs from its entry point with the contract environment: Katie signs in, decisions are audited on stdout', async () => {
  requireStack()
  const idp = await startIdpProcess()
  try {
    const signedIn = await signIn(idp.issuer, {
      username: 'katie',
      password: 'katie-loves-shopping',
    })
    const res = await redeemCode(idp.issuer, signedIn)
    assert.equal(res.status, 200, res.text)
    assert.ok(res.json<TokenSet>().access_token)
    assert.ok((await idp.untilAudited((r) => r.decision === 'allow')).length > 0)
  } finally {
    await idp.stop()
  }
})
