import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { test } from 'node:test'
import { csrfToken, csrfTokenValid, sameOriginRequest } from '../../../src/interactions/csrf.ts'
import { escapeHtml, loginPage } from '../../../src/interactions/views.ts'

test('values are escaped and errors announced', () => {
  assert.equal(
    escapeHtml(`<a href="x" onclick='y'>&`),
    '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;',
  )
  const html = loginPage({
    uid: 'u1',
    csrf: 'c',
    clientName: '<b>shop</b>',
    username: '"><script>',
    error: 'Wrong',
  })
  assert.ok(!html.includes('<script>'))
  assert.ok(!html.includes('<b>shop</b>'))
  assert.match(html, /<p role="alert" id="form-error">Wrong<\/p>/)
  assert.match(html, /aria-describedby="form-error"/)
  assert.match(html, /<label for="username">Username<\/label>/)
})

test('the CSRF token is bound to the interaction and the key', () => {
  const key = randomBytes(32)
  const token = csrfToken(key, 'uid-1')
  assert.equal(csrfTokenValid(key, 'uid-1', token), true)
  assert.equal(csrfTokenValid(key, 'uid-2', token), false)
  assert.equal(csrfTokenValid(randomBytes(32), 'uid-1', token), false)
  assert.equal(csrfTokenValid(key, 'uid-1', undefined), false)
  assert.equal(csrfTokenValid(key, 'uid-1', `${token}x`), false)
})

test('only same-origin browser requests pass the origin check', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage
  const own = 'https://localhost:4000'
  assert.equal(sameOriginRequest(req({}), own), true)
  assert.equal(sameOriginRequest(req({ origin: own, 'sec-fetch-site': 'same-origin' }), own), true)
  assert.equal(sameOriginRequest(req({ origin: 'https://evil.example' }), own), false)
  assert.equal(sameOriginRequest(req({ 'sec-fetch-site': 'cross-site' }), own), false)
})
