/**
 * TB01 — browser ↔ web BFF. Katie signs in through the web in a real Chromium; the browser then
 * holds one opaque `__Host-` cookie and nothing else: no token in `document.cookie`, storage, or
 * any HTML/JSON the page received. Without a cookie, with a forged one, or from another origin,
 * the BFF refuses with a problem `code` and writes the audit reason (web's log, by `traceId`).
 */
import type { Browser, BrowserContext, Page, Response } from '@playwright/test'
import { auditRecordsOf, hasDecision } from '../support/audit-log.ts'
import { launchTrustingBrowser, signInThroughWeb } from '../support/browser-trust.ts'
import { expect, test } from '../support/fixtures.ts'

const WEB = 'https://localhost:3000'
const SESSION_COOKIE = '__Host-mythical-session'
const KATIE = { username: 'katie', password: 'katie-loves-shopping' }
/** A compact JWS/JWE or a token member: what must never reach the page. */
const TOKEN_SHAPES = [
  /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/,
  /access_token|refresh_token|id_token/,
  /"d"\s*:\s*"/,
]

async function expectRefusal(
  response: { status(): number; json(): Promise<unknown> },
  status: number,
  code: string,
  reason: string,
) {
  expect(response.status()).toBe(status)
  const problem = (await response.json()) as { code: string; traceId: string }
  expect(problem.code).toBe(code)
  const records = await auditRecordsOf(problem.traceId, 'web', hasDecision('deny', reason))
  expect(records.map((r) => [r.decision, r.reason, r.boundary])).toContainEqual([
    'deny',
    reason,
    'TB01',
  ])
}

test.describe('TB01 browser ↔ web BFF', () => {
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const received: { url: string; body: string }[] = []

  test.beforeAll(async () => {
    browser = await launchTrustingBrowser()
    context = await browser.newContext()
    page = await context.newPage()
    page.on('response', (response: Response) => {
      if (!response.url().startsWith(WEB)) return
      void response.text().then(
        (body) => received.push({ url: response.url(), body }),
        () => undefined,
      )
    })
    await signInThroughWeb(page, KATIE)
  })
  test.afterAll(async () => browser?.close())

  test('Katie signs in: the shop knows her and the only credential is a __Host- cookie', async () => {
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible()
    const cookies = await context.cookies(WEB)
    const session = cookies.find((c) => c.name === SESSION_COOKIE)
    expect(session).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Lax',
      path: '/',
      domain: 'localhost',
    })
    const answer = await context.request.get(`${WEB}/api/me`)
    expect([200, 502, 503, 404]).toContain(answer.status())
  })

  test('no token is readable by page JavaScript: cookies, storages, every response', async () => {
    await page.goto(`${WEB}/orders`)
    await page.waitForLoadState('networkidle')
    // Evaluated in the page (DOM types are not in this Node project's lib).
    const visible = await page.evaluate<{
      cookie: string
      local: string
      session: string
      html: string
    }>(
      `({
        cookie: document.cookie,
        local: JSON.stringify({ ...localStorage }),
        session: JSON.stringify({ ...sessionStorage }),
        html: document.documentElement.outerHTML,
      })`,
    )
    expect(visible.cookie).not.toContain(SESSION_COOKIE)
    for (const text of [
      visible.local,
      visible.session,
      visible.html,
      ...received.map((r) => r.body),
    ]) {
      for (const shape of TOKEN_SHAPES) expect(text).not.toMatch(shape)
    }
    expect(received.length).toBeGreaterThan(0)
  })

  test('without a cookie the BFF refuses', async ({ playwright }) => {
    const anonymous = await playwright.request.newContext()
    await expectRefusal(
      await anonymous.get(`${WEB}/api/orders`),
      401,
      'ZT_ERR_SESSION_REQUIRED',
      'session.missing',
    )
    await anonymous.dispose()
  })

  test('a forged session cookie is refused', async ({ playwright }) => {
    const forger = await playwright.request.newContext({
      extraHTTPHeaders: { cookie: `${SESSION_COOKIE}=${'A'.repeat(43)}` },
    })
    await expectRefusal(
      await forger.get(`${WEB}/api/orders`),
      401,
      'ZT_ERR_SESSION_REQUIRED',
      'session.unknown',
    )
    await forger.dispose()
  })

  test('a cross-site POST carrying Katie’s cookie is refused (Origin check)', async () => {
    const response = await context.request.post(`${WEB}/api/orders`, {
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      data: { items: [{ sku: 'x', quantity: 1 }] },
    })
    await expectRefusal(response, 403, 'ZT_ERR_CROSS_SITE_REQUEST', 'csrf.origin_mismatch')
  })

  test('security headers: CSP with a nonce and no unsafe-inline script, HSTS, no framing', async () => {
    const response = await context.request.get(`${WEB}/`)
    const csp = response.headers()['content-security-policy'] ?? ''
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/)
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(response.headers()['strict-transport-security']).toMatch(/max-age=\d+/)
    expect(response.headers()['x-content-type-options']).toBe('nosniff')
  })

  test('sign-out ends the session: the old cookie no longer opens anything, the cart is emptied', async ({
    playwright,
  }) => {
    // The cart is the one thing the pages store (sessionStorage): it goes with the session, so
    // the next person at the same computer does not find Katie's basket.
    await page.goto(`${WEB}/`)
    await page
      .getByRole('button', { name: /^Add to cart/ })
      .first()
      .click()
    await expect(page.getByRole('status').filter({ hasText: 'added' })).toBeVisible()
    await page.goto(`${WEB}/cart`)
    await expect(page.getByRole('heading', { name: 'Your items' })).toBeVisible()
    const before = (await context.cookies(WEB)).find((c) => c.name === SESSION_COOKIE)?.value
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForLoadState('networkidle')
    await page.goto(`${WEB}/cart`)
    await expect(page.getByText('Your cart is empty.')).toBeVisible()
    const replay = await playwright.request.newContext({
      extraHTTPHeaders: { cookie: `${SESSION_COOKIE}=${before}` },
    })
    await expectRefusal(
      await replay.get(`${WEB}/api/orders`),
      401,
      'ZT_ERR_SESSION_REQUIRED',
      'session.unknown',
    )
    await replay.dispose()
  })
})
