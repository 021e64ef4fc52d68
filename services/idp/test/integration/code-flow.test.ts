/**
 * TB02 — web ↔ idp: authorization code + PKCE (S256) + PAR, client authenticated with
 * private_key_jwt, DPoP-bound tokens; and every refusal the issue lists.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { decodeJwt, exportJWK, generateKeyPair } from 'jose'
import {
  assertDenied,
  newTrace,
  type Trace,
  request,
  redeemCode,
  signIn,
  authorizationParams,
  callbackParams,
  clientAssertion,
  clientAuth,
  dpopKey,
  pkce,
  pushAuthorizationRequest,
  secretJwk,
  type TokenSet,
  requireStack,
} from '@mythical/testing'
import { startIdp } from './support/idp-server.ts'
import type { RunningIdp } from './support/idp-server.ts'

let run: RunningIdp
/** A client secret a client might try instead of `private_key_jwt` (none is registered). */
const GUESSED_SECRET = 'guessed-client-secret'

before(async () => {
  requireStack()
  run = await startIdp()
})
after(() => run.stop())

describe('code + PKCE + PAR + private_key_jwt', () => {
  test('Katie signs in and gets DPoP-bound tokens with a password acr', async () => {
    const signedIn = await signIn(run.issuer, {
      username: 'katie',
      password: 'katie-loves-shopping',
    })
    assert.equal(signedIn.callback.get('iss'), run.issuer, 'RFC 9207 iss response parameter')
    const res = await redeemCode(run.issuer, signedIn)
    assert.equal(res.status, 200, res.text)
    const tokens = res.json<TokenSet>()
    assert.equal(tokens.token_type, 'DPoP')
    assert.equal(tokens.access_token.split('.').length, 1, 'gateway access tokens are opaque')
    assert.ok(tokens.refresh_token)
    const idToken = decodeJwt(tokens.id_token ?? '')
    assert.equal(idToken.sub, 'katie')
    assert.equal(idToken.acr, 'urn:mythical:acr:pwd')
    assert.deepEqual(idToken.amr, ['pwd'])
  })
})

async function par(
  params: Record<string, string>,
  trace: Trace,
  client: 'web' | 'web-staff' = 'web',
) {
  const { challenge } = pkce()
  return pushAuthorizationRequest(
    run.issuer,
    client,
    authorizationParams(client, challenge, params),
    trace.headers,
  )
}

describe('TB02 refusals at the authorization step', () => {
  test('PAR is required for the web client', async () => {
    const { challenge } = pkce()
    const query = new URLSearchParams({
      client_id: 'web',
      ...authorizationParams('web', challenge),
    })
    const trace = newTrace()
    const res = await request(`${run.issuer}/auth?${query.toString()}`, { headers: trace.headers })
    assert.equal(res.status, 303)
    const callback = callbackParams(res)
    assert.equal(callback.get('error'), 'invalid_request')
    assertDenied(run, trace, { reason: 'authorization.par_required', boundary: 'TB02' })
  })

  test('missing PKCE is refused', async () => {
    const trace = newTrace()
    const res = await par({ code_challenge: '', code_challenge_method: '' }, trace)
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_request')
    assertDenied(run, trace, { reason: 'authorization.pkce_required', boundary: 'TB02' })
  })

  test('plain PKCE is refused', async () => {
    const trace = newTrace()
    const challenge = 'a'.repeat(43)
    const res = await par({ code_challenge: challenge, code_challenge_method: 'plain' }, trace)
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_request')
    assertDenied(run, trace, {
      reason: 'authorization.pkce_method_not_allowed',
      boundary: 'TB02',
      secrets: [challenge],
    })
  })

  test('an unregistered redirect_uri is refused', async () => {
    const trace = newTrace()
    const res = await par({ redirect_uri: 'https://evil.example/callback' }, trace)
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_request')
    assertDenied(run, trace, { reason: 'authorization.redirect_uri_mismatch', boundary: 'TB02' })
  })

  test('a client secret instead of a client assertion is refused', async () => {
    const { challenge } = pkce()
    const trace = newTrace()
    const res = await request(`${run.issuer}/request`, {
      headers: trace.headers,
      form: {
        client_id: 'web',
        client_secret: GUESSED_SECRET,
        ...authorizationParams('web', challenge),
      },
    })
    assert.equal(res.status, 401)
    assert.equal(res.json().error, 'invalid_client')
    assertDenied(run, trace, {
      reason: 'client_auth.method_not_allowed',
      boundary: 'TB02',
      secrets: [GUESSED_SECRET],
    })
  })
})

describe('TB02 refusals at the token endpoint', () => {
  const katie = () => signIn(run.issuer, { username: 'katie', password: 'katie-loves-shopping' })
  /** Values of a redemption that must never reach an audit record. */
  const secretsOf = (signedIn: { code: string; verifier: string }) => [
    signedIn.code,
    signedIn.verifier,
  ]

  test('a wrong code_verifier is refused', async () => {
    const signedIn = await katie()
    const trace = newTrace()
    const wrong = pkce().verifier
    const res = await redeemCode(
      run.issuer,
      signedIn,
      { code_verifier: wrong },
      undefined,
      trace.headers,
    )
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_grant')
    assertDenied(run, trace, {
      reason: 'token.pkce_verifier_mismatch',
      boundary: 'TB02',
      secrets: [...secretsOf(signedIn), wrong],
    })
  })

  test('a redirect_uri other than the authorized one is refused', async () => {
    const signedIn = await katie()
    const trace = newTrace()
    const res = await redeemCode(
      run.issuer,
      signedIn,
      { redirect_uri: 'https://localhost:3000/staff/auth/callback' },
      undefined,
      trace.headers,
    )
    assert.equal(res.status, 400)
    assert.equal(res.json().error, 'invalid_grant')
    assertDenied(run, trace, {
      reason: 'token.redirect_uri_mismatch',
      boundary: 'TB02',
      secrets: secretsOf(signedIn),
    })
  })

  test('a replayed code is refused and the tokens issued from it are revoked', async () => {
    const signedIn = await katie()
    const first = await redeemCode(run.issuer, signedIn)
    assert.equal(first.status, 200)
    const tokens = first.json<TokenSet>()
    const trace = newTrace()
    const replay = await redeemCode(run.issuer, signedIn, {}, undefined, trace.headers)
    assert.equal(replay.status, 400)
    assert.equal(replay.json().error, 'invalid_grant')
    assertDenied(run, trace, {
      reason: 'token.code_replayed',
      boundary: 'TB02',
      secrets: [...secretsOf(signedIn), tokens.access_token, tokens.refresh_token ?? ''],
    })
    const introspection = await request(`${run.mtlsUrl}/token/introspection`, {
      as: 'gateway',
      headers: { accept: 'application/json' },
      form: { client_id: 'gateway', token: tokens.access_token },
    })
    assert.equal(introspection.status, 200, introspection.text)
    assert.equal(introspection.json().active, false)
    const refresh = await request(`${run.issuer}/token`, {
      form: {
        ...(await clientAuth('web', run.issuer)),
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token ?? '',
      },
    })
    assert.equal(refresh.status, 400)
    assert.equal(refresh.json().error, 'invalid_grant')
  })

  test('a client assertion signed with the wrong key is refused', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const jwk = { ...(await exportJWK(privateKey)), kid: secretJwk('web').kid }
    const signedIn = await katie()
    const assertion = await clientAssertion('web', run.issuer, { jwk })
    const trace = newTrace()
    const res = await redeemCode(
      run.issuer,
      signedIn,
      { client_assertion: assertion },
      undefined,
      trace.headers,
    )
    assert.equal(res.status, 401)
    assert.equal(res.json().error, 'invalid_client')
    assertDenied(run, trace, {
      reason: 'client_auth.assertion_bad_signature',
      boundary: 'TB02',
      secrets: [...secretsOf(signedIn), assertion],
    })
  })

  test('an expired client assertion is refused', async () => {
    const past = Math.floor(Date.now() / 1000) - 600
    const signedIn = await katie()
    const assertion = await clientAssertion('web', run.issuer, { iat: past - 60, exp: past })
    const trace = newTrace()
    const res = await redeemCode(
      run.issuer,
      signedIn,
      { client_assertion: assertion },
      undefined,
      trace.headers,
    )
    assert.equal(res.status, 401)
    assert.equal(res.json().error, 'invalid_client')
    assertDenied(run, trace, {
      reason: 'client_auth.assertion_expired',
      boundary: 'TB02',
      secrets: [...secretsOf(signedIn), assertion],
    })
  })

  test('a client assertion whose jti was already used is refused', async () => {
    const assertion = await clientAssertion('web', run.issuer)
    const first = await redeemCode(run.issuer, await katie(), { client_assertion: assertion })
    assert.equal(first.status, 200, first.text)
    const signedIn = await katie()
    const trace = newTrace()
    const second = await redeemCode(
      run.issuer,
      signedIn,
      { client_assertion: assertion },
      undefined,
      trace.headers,
    )
    assert.equal(second.status, 401)
    assert.equal(second.json().error, 'invalid_client')
    assertDenied(run, trace, {
      reason: 'client_auth.assertion_replayed',
      boundary: 'TB02',
      secrets: [...secretsOf(signedIn), assertion],
    })
  })

  test('a client secret sent to the token endpoint is refused', async () => {
    const signedIn = await katie()
    const trace = newTrace()
    const res = await request(`${run.issuer}/token`, {
      headers: trace.headers,
      form: {
        client_id: 'web',
        client_secret: GUESSED_SECRET,
        grant_type: 'authorization_code',
        code: signedIn.code,
        redirect_uri: signedIn.redirectUri,
        code_verifier: signedIn.verifier,
      },
    })
    assert.equal(res.status, 401)
    assert.equal(res.json().error, 'invalid_client')
    assertDenied(run, trace, {
      reason: 'client_auth.method_not_allowed',
      boundary: 'TB02',
      secrets: [...secretsOf(signedIn), GUESSED_SECRET],
    })
  })
})

describe('sender-constrained tokens', () => {
  // Confidential clients' refresh tokens are bound to the client's authentication key
  // (private_key_jwt, FAPI 2.0 §5.3.2.1) and every refresh must present a DPoP proof, to whose
  // key the new access token is bound.
  test('a refresh needs a DPoP proof and the client key; a stolen refresh token alone is useless', async () => {
    const signedIn = await signIn(run.issuer, {
      username: 'katie',
      password: 'katie-loves-shopping',
    })
    const tokens = (await redeemCode(run.issuer, signedIn)).json<TokenSet>()
    const refresh = async (headers: Record<string, string>, assertion?: string) =>
      request(`${run.issuer}/token`, {
        headers,
        form: {
          ...(await clientAuth('web', run.issuer)),
          ...(assertion ? { client_assertion: assertion } : {}),
          grant_type: 'refresh_token',
          refresh_token: tokens.refresh_token ?? '',
        },
      })
    const trace = newTrace()
    const withoutProof = await refresh(trace.headers)
    assert.equal(withoutProof.status, 400)
    assert.equal(withoutProof.json().error, 'invalid_grant')
    assertDenied(run, trace, {
      reason: 'token.dpop_required',
      boundary: 'TB02',
      secrets: [tokens.refresh_token ?? '', tokens.access_token],
    })

    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const thiefKey = { ...(await exportJWK(privateKey)), kid: secretJwk('web').kid }
    const dpop = await dpopKey()
    const thiefTrace = newTrace()
    const thief = await refresh(
      { ...thiefTrace.headers, dpop: await dpop.proof('POST', `${run.issuer}/token`) },
      await clientAssertion('web', run.issuer, { jwk: thiefKey }),
    )
    assert.equal(thief.status, 401)
    assert.equal(thief.json().error, 'invalid_client')
    assertDenied(run, thiefTrace, {
      reason: 'client_auth.assertion_bad_signature',
      boundary: 'TB02',
      secrets: [tokens.refresh_token ?? ''],
    })

    const legit = await refresh({ dpop: await dpop.proof('POST', `${run.issuer}/token`) })
    assert.equal(legit.status, 200, legit.text)
    assert.equal(legit.json<TokenSet>().token_type, 'DPoP')
  })
})
