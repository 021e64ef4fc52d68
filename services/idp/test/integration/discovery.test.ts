/**
 * Discovery advertises exactly the hardened feature set, and the JWKS holds public keys only.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { assertDenied, newTrace, request, requireStack } from '@mythical/testing'
import { startIdp } from './support/idp-server.ts'
import type { RunningIdp } from './support/idp-server.ts'

let run: RunningIdp
let meta: Record<string, unknown>

before(async () => {
  requireStack()
  run = await startIdp()
  const res = await request(`${run.issuer}/.well-known/openid-configuration`)
  assert.equal(res.status, 200)
  meta = res.json()
})
after(() => run.stop())

const list = (key: string) => meta[key] as string[]

test('PKCE is S256 only and only the code flow is offered', () => {
  assert.deepEqual(list('code_challenge_methods_supported'), ['S256'])
  assert.deepEqual(list('response_types_supported'), ['code'])
  assert.equal(meta.authorization_response_iss_parameter_supported, true)
})

test('token exchange and client credentials are listed; implicit and password are not', () => {
  const grants = list('grant_types_supported')
  assert.ok(grants.includes('urn:ietf:params:oauth:grant-type:token-exchange'))
  assert.ok(grants.includes('client_credentials'))
  assert.ok(grants.includes('authorization_code'))
  assert.ok(!grants.includes('implicit') && !grants.includes('password'))
})

test('no client secrets and no "none"/HS* algorithm anywhere', () => {
  assert.deepEqual(list('token_endpoint_auth_methods_supported'), [
    'private_key_jwt',
    'tls_client_auth',
  ])
  for (const [key, value] of Object.entries(meta)) {
    if (!key.endsWith('alg_values_supported')) continue
    for (const alg of value as string[]) {
      assert.ok(['ES256', 'PS256', 'EdDSA'].includes(alg), `${key} lists ${alg}`)
    }
  }
})

test('PAR, introspection, revocation, logout, DPoP and mTLS aliases are advertised', () => {
  for (const endpoint of [
    'pushed_authorization_request_endpoint',
    'introspection_endpoint',
    'revocation_endpoint',
    'end_session_endpoint',
  ]) {
    assert.match(String(meta[endpoint]), new RegExp(`^${run.issuer}/`), endpoint)
  }
  assert.ok(list('dpop_signing_alg_values_supported').includes('ES256'))
  assert.equal(meta.tls_client_certificate_bound_access_tokens, true)
  const aliases = meta.mtls_endpoint_aliases as Record<string, string>
  assert.equal(aliases.token_endpoint, `${run.mtlsUrl}/token`)
})

test('PAR is required for the web client (a plain authorization request is refused)', async () => {
  const trace = newTrace()
  const res = await request(
    `${run.issuer}/auth?client_id=web&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://localhost:3000/auth/callback')}&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`,
    { headers: trace.headers },
  )
  assert.equal(res.status, 303)
  const location = new URL(String(res.headers.location))
  assert.equal(location.searchParams.get('error'), 'invalid_request')
  assert.match(
    location.searchParams.get('error_description') ?? '',
    /pushed authorization request/i,
  )
  assertDenied(run, trace, { reason: 'authorization.par_required', boundary: 'TB02' })
})

test('the JWKS holds only public signing keys with a kid', async () => {
  const res = await request(String(meta.jwks_uri))
  assert.equal(res.status, 200)
  const { keys } = res.json<{ keys: Record<string, unknown>[] }>()
  assert.ok(keys.length >= 1)
  for (const key of keys) {
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.ok(!(member in key), member)
    assert.equal(typeof key.kid, 'string')
    assert.ok(['ES256', 'PS256', 'EdDSA'].includes(String(key.alg)))
  }
})

test('the mTLS alias refuses a TLS handshake without a client certificate', async () => {
  await assert.rejects(request(`${run.mtlsUrl}/.well-known/openid-configuration`))
})

test('health probes answer on the edge listener', async () => {
  assert.equal((await request(`${run.issuer}/healthz`)).status, 200)
  const ready = await request(`${run.issuer}/readyz`)
  assert.equal(ready.status, 200)
  assert.equal(ready.json().status, 'ready')
})
