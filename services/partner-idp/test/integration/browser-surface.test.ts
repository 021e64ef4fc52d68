/**
 * The partner IdP serves machines only (discovery, JWKS, the federation token endpoint): the
 * browser endpoints oidc-provider mounts by default (`/auth`, `/session/end`) are not served, no
 * response sets a cookie, and every response carries HSTS and the page header set.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { Agent, fetch } from 'undici'
import { AuditCollector, createFederation, startPartner } from '../support/federation-fixture.ts'
import type { Federation } from '../support/federation-fixture.ts'
import type { RunningPartnerIdp } from '../../src/server.ts'

let federation: Federation
let idp: RunningPartnerIdp
let dispatcher: Agent

before(async () => {
  federation = await createFederation()
  ;({ idp } = await startPartner(federation.env, new AuditCollector()))
  dispatcher = new Agent({ connect: { ca: federation.shippingCa.certPem } })
})

after(async () => {
  await dispatcher.close()
  await idp.close()
  await federation.cleanup()
})

const get = (path: string) => fetch(`${idp.origin}${path}`, { dispatcher, redirect: 'manual' })

test('the browser endpoints are not served: 404 problem, no cookie, no page', async () => {
  for (const path of [
    '/auth?client_id=web&response_type=code&scope=openid',
    '/session/end',
    '/session/end/confirm',
    '/interaction/x',
    '/me',
  ]) {
    const res = await get(path)
    assert.equal(res.status, 404, path)
    assert.equal(res.headers.get('content-type'), 'application/problem+json', path)
    assert.equal(((await res.json()) as { code: string }).code, 'ZT_ERR_NOT_FOUND', path)
    assert.equal(res.headers.get('set-cookie'), null, path)
  }
  const post = await fetch(`${idp.origin}/session/end/confirm`, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'logout=yes',
  })
  assert.equal(post.status, 404)
  assert.equal(post.headers.get('set-cookie'), null)
})

test('what the federation needs is still served, with HSTS and the page headers', async () => {
  for (const path of ['/.well-known/openid-configuration', '/jwks', '/healthz']) {
    const res = await get(path)
    assert.equal(res.status, 200, path)
    assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000', path)
    assert.match(String(res.headers.get('content-security-policy')), /frame-ancestors 'none'/)
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
  }
  const token = await fetch(`${idp.origin}/token`, {
    method: 'POST',
    dispatcher,
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  })
  assert.equal(token.status, 400, 'the token endpoint answers (an OAuth error, not a 404)')
  assert.equal(token.headers.get('strict-transport-security'), 'max-age=31536000')
})

test('discovery no longer advertises a logout endpoint', async () => {
  const res = await get('/.well-known/openid-configuration')
  const body = (await res.json()) as Record<string, unknown>
  assert.equal(body.end_session_endpoint, undefined)
})
