/**
 * Security headers on every response an OpenID provider sends through `withOidcProbes`: HSTS on
 * all of them, and a nonce-based CSP with framing, sniffing and referrer protection that pages
 * rendered by oidc-provider itself inherit (its auto-submitting form adds its script's hash).
 */
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import {
  cspNonce,
  pageSecurityHeaders,
  renderProviderError,
  withOidcProbes,
} from '../../src/index.ts'

let origin: string
let close: () => Promise<void>
const nonces: (string | undefined)[] = []

/** Stands in for oidc-provider's `formPost`: appends its inline script's hash to `script-src`. */
function autoSubmitPage(res: ServerResponse) {
  const csp = String(res.getHeader('content-security-policy'))
  res.setHeader(
    'content-security-policy',
    csp.replace(/script-src ([^;]*)/, "script-src $1 'sha256-x'"),
  )
  res.writeHead(200, { 'content-type': 'text/html' }).end('<script>submit()</script>')
}

before(async () => {
  const handler = withOidcProbes(
    (req: IncomingMessage, res: ServerResponse) => {
      nonces.push(cspNonce(res))
      if (req.url === '/session/end') return autoSubmitPage(res)
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    },
    { readiness: {} },
  )
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  close = () => new Promise((resolve) => server.close(() => resolve()))
})

after(() => close())

describe('withOidcProbes security headers', () => {
  for (const path of ['/healthz', '/readyz', '/.well-known/openid-configuration', '/token']) {
    it(`sends Strict-Transport-Security and the page header set on ${path}`, async () => {
      const res = await fetch(`${origin}${path}`)
      assert.equal(res.headers.get('strict-transport-security'), 'max-age=31536000')
      const csp = String(res.headers.get('content-security-policy'))
      assert.match(csp, /default-src 'none'/)
      assert.match(csp, /frame-ancestors 'none'/)
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer')
      assert.equal(res.headers.get('x-frame-options'), 'DENY')
    })
  }

  it('gives every response its own CSP nonce, readable by the page renderer', async () => {
    nonces.length = 0
    const first = await fetch(`${origin}/token`)
    const second = await fetch(`${origin}/token`)
    const [a, b] = nonces
    assert.ok(a && b && a !== b, 'a fresh nonce per response')
    assert.match(
      String(first.headers.get('content-security-policy')),
      new RegExp(`script-src 'nonce-${escape(a)}'`),
    )
    assert.match(
      String(second.headers.get('content-security-policy')),
      new RegExp(`style-src 'nonce-${escape(b)}'`),
    )
  })

  it('lets an inline script run only by the hash the provider adds, never unsafe-inline', async () => {
    const res = await fetch(`${origin}/session/end`)
    const csp = String(res.headers.get('content-security-policy'))
    assert.match(csp, /script-src 'nonce-[^' ]+' 'sha256-x'/)
    assert.doesNotMatch(csp, /unsafe-inline/)
    assert.match(csp, /frame-ancestors 'none'/)
  })
})

describe('pageSecurityHeaders', () => {
  it('allows forms to the provider and the given targets only', () => {
    const headers = pageSecurityHeaders({ formTargets: ['https://localhost:3000'] })
    const csp = String(headers['content-security-policy'])
    assert.match(csp, /form-action 'self' https:\/\/localhost:3000/)
    assert.match(csp, /script-src 'none'/)
  })
})

describe('renderProviderError', () => {
  const render = async (res: ServerResponse, description: string) => {
    const headers = new Map<string, string>()
    const ctx = {
      res,
      set: (h: Record<string, string>) => Object.entries(h).forEach(([k, v]) => headers.set(k, v)),
      type: '',
      body: '',
    }
    await renderProviderError(ctx, { error_description: description })
    return { ...ctx, headers }
  }

  it('renders an escaped message with no resource from outside the stack and no caching', async () => {
    const page = await render({} as ServerResponse, '<img src=https://evil.example/x>')
    assert.equal(page.type, 'html')
    assert.doesNotMatch(page.body, /<img|<link|<script|<style|@import/i)
    assert.match(page.body, /&lt;img/)
    assert.equal(page.headers.get('cache-control'), 'no-store')
  })

  it('styles the page only with an inline style carrying the response nonce', async () => {
    let page: { body: string } | undefined
    let csp = ''
    const handler = withOidcProbes(
      (_req, res) => {
        void render(res, 'expired').then((rendered) => {
          page = rendered
          csp = String(res.getHeader('content-security-policy'))
          res.end()
        })
      },
      { readiness: {} },
    )
    const server = createServer(handler)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
    const nonce = /<style nonce="([^"]+)">/.exec(page?.body ?? '')?.[1]
    assert.ok(nonce, 'an inline style with a nonce')
    assert.ok(csp.includes(`style-src 'nonce-${nonce}'`), 'the nonce is the response CSP’s')
    assert.doesNotMatch(page?.body ?? '', /@import|url\(|https?:/)
  })
})

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
