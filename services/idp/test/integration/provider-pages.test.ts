/**
 * Every response of the retail IdP carries Strict-Transport-Security, and the pages oidc-provider
 * renders itself (the auto-submitting logout form when there is no session, error pages) carry the
 * same strict header set as the interaction pages and load nothing from outside the stack.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, test } from 'node:test'
import { request, type Response, requireStack } from '@mythical/testing'
import { startIdp } from './support/idp-server.ts'
import type { RunningIdp } from './support/idp-server.ts'

let run: RunningIdp

before(async () => {
  requireStack()
  run = await startIdp()
})
after(() => run.stop())

function assertPageHeaders(res: Response) {
  const csp = String(res.headers['content-security-policy'])
  assert.match(csp, /default-src 'none'/)
  assert.match(csp, /frame-ancestors 'none'/)
  assert.match(csp, /base-uri 'none'/)
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/)
  assert.equal(res.headers['x-content-type-options'], 'nosniff')
  // Never a referrer to another origin. The retail IdP's pages use `same-origin` (under
  // `no-referrer` browsers post its own forms with `Origin: null`, refused as CSRF).
  assert.ok(['no-referrer', 'same-origin'].includes(String(res.headers['referrer-policy'])))
  assert.equal(res.headers['x-frame-options'], 'DENY')
}

/** Nothing on the page may come from another origin (fonts, styles, scripts, images). */
function assertNoOutsideResources(html: string) {
  assert.doesNotMatch(html, /@import|<link|src=["']?https?:|url\(/i)
}

test('Strict-Transport-Security on every kind of response', async () => {
  for (const path of [
    '/.well-known/openid-configuration',
    '/jwks',
    '/healthz',
    '/readyz',
    '/no-such-endpoint',
    '/interaction/no-such-interaction',
  ]) {
    const res = await request(`${run.issuer}${path}`)
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000', path)
  }
  const token = await request(`${run.issuer}/token`, { form: { grant_type: 'client_credentials' } })
  assert.equal(token.status, 400)
  assert.equal(token.headers['strict-transport-security'], 'max-age=31536000')
})

test('GET /session/end without a session: framing-protected, its one inline script allowed by hash', async () => {
  const res = await request(`${run.issuer}/session/end`)
  assert.equal(res.status, 200)
  assert.match(String(res.headers['content-type']), /text\/html/)
  assertPageHeaders(res)
  assert.equal(res.headers['strict-transport-security'], 'max-age=31536000')
  const script = /<script>([\s\S]*?)<\/script>/.exec(res.text)?.[1]
  assert.ok(script !== undefined, 'oidc-provider auto-submits the logout form')
  const hash = createHash('sha256').update(script).digest('base64')
  const scriptSrc = /script-src ([^;]*)/.exec(String(res.headers['content-security-policy']))?.[1]
  assert.ok(
    scriptSrc?.split(' ').includes(`'sha256-${hash}'`),
    'the inline script runs by hash only',
  )
  assert.match(String(scriptSrc), /'nonce-[A-Za-z0-9+/=]+'/)
  assertNoOutsideResources(res.text)
})

test('an error page rendered by the provider carries the page headers and loads nothing from outside', async () => {
  const res = await request(`${run.issuer}/auth?client_id=nobody&response_type=code`)
  assert.equal(res.status, 400)
  assert.match(String(res.headers['content-type']), /text\/html/)
  assertPageHeaders(res)
  assert.equal(res.headers['strict-transport-security'], 'max-age=31536000')
  assertNoOutsideResources(res.text)
})
