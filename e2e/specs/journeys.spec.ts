/**
 * Whole journeys in the browser, against the running stack. Katie buys with the test card, sees
 * her order, her loyalty points rise and her recommendations change (both arrive through
 * `order.placed` events), and tracks the parcel at the shipping partner (TB10: the BFF exchanges
 * her token at the partner's IdP; the page never sees a token). Sam registers a customer and
 * finds them. Katie cannot open Sam's pages or Bob's order. The suite takes the README's
 * screenshots on the way.
 */
import type { Browser, Page, Response } from '@playwright/test'
import { launchTrustingBrowser } from '../support/browser-trust.ts'
import { expect, test } from '../support/fixtures.ts'
import { WEB, personaContext, screenshotPath } from '../support/personas.ts'

/** Events reach loyalty, recommendations and the partner asynchronously. */
const EVENTUALLY_MS = 45_000
/** A compact JWS/JWE, a token member or a private JWK member: what must never reach the page. */
const SECRET_SHAPES = [
  /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/,
  /access_token|refresh_token|id_token|subject_token/,
  /"d"\s*:\s*"/,
]

/** Reloads `url` until `ready(page)` holds or the deadline passes. */
async function pollPage(page: Page, url: string, ready: () => Promise<boolean>) {
  const deadline = Date.now() + EVENTUALLY_MS
  for (;;) {
    await page.goto(url)
    await page.waitForLoadState('networkidle')
    if (await ready()) return
    if (Date.now() > deadline) throw new Error(`${url}: not ready after ${EVENTUALLY_MS} ms`)
    await page.waitForTimeout(1_500)
  }
}

async function loyaltyPoints(page: Page): Promise<number> {
  const text = await page.getByTestId('loyalty-points').innerText()
  return Number(/\d+/.exec(text)?.[0])
}

async function recommended(page: Page): Promise<string[]> {
  const list = page.getByTestId('recommendations')
  return (await list.count()) === 0 ? [] : list.locator('strong').allInnerTexts()
}

test.describe('journeys (browser)', () => {
  test.describe.configure({ timeout: 120_000 })
  let browser: Browser
  test.beforeAll(async () => {
    browser = await launchTrustingBrowser()
  })
  test.afterAll(async () => browser?.close())

  test('Katie buys, sees the order, points and recommendations change, tracks the parcel', async () => {
    const context = await personaContext(browser, 'katie')
    const page = await context.newPage()
    const received: { url: string; body: string }[] = []
    page.on('response', (response: Response) => {
      if (!response.url().startsWith(WEB)) return
      void response.text().then(
        (body) => received.push({ url: response.url(), body }),
        () => undefined,
      )
    })

    await page.goto(`${WEB}/loyalty`)
    await expect(page.getByTestId('loyalty-points')).toBeVisible()
    const pointsBefore = await loyaltyPoints(page)
    await expect(page.getByTestId('recommendations')).toBeVisible()
    // Recommendations never list what she owns: buying the first one must change them.
    const [pick] = await recommended(page)
    expect(pick).toBeTruthy()

    await page.goto(`${WEB}/`)
    await expect(page.getByRole('list', { name: 'Products' })).toBeVisible()
    await page.screenshot({ path: screenshotPath('shop'), fullPage: true })
    // The product's name is visually hidden text after "Add to cart".
    const escaped = (pick ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    await page.getByRole('button', { name: new RegExp(`^Add to cart\\s*:\\s*${escaped}$`) }).click()
    await expect(page.getByRole('status').filter({ hasText: `${pick} added` })).toBeVisible()

    await page.goto(`${WEB}/cart`)
    await expect(page.getByRole('cell', { name: pick, exact: true })).toBeVisible()
    await page.screenshot({ path: screenshotPath('checkout'), fullPage: true })
    await page.getByLabel('Card number').fill('4111 1111 1111 1111')
    await page.getByLabel('Expiry (MM/YY)').fill('12/30')
    await page.getByLabel('CVC').fill('123')
    const placed = page.waitForResponse(
      (r) => r.url() === `${WEB}/api/orders` && r.request().method() === 'POST',
    )
    await page.getByRole('button', { name: /Place order/ }).click()
    expect((await placed).status()).toBe(201)
    await page.waitForURL(/\/orders\/[A-Za-z0-9_-]+$/)
    const orderId = new URL(page.url()).pathname.split('/').at(-1) ?? ''
    await expect(page.getByRole('heading', { name: /^Order / })).toBeVisible()
    await expect(page.getByText(/ending 1111/)).toBeVisible()
    await page.screenshot({ path: screenshotPath('order'), fullPage: true })

    await page.goto(`${WEB}/orders`)
    await expect(page.locator(`a[href="/orders/${orderId}"]`)).toBeVisible()

    await pollPage(
      page,
      `${WEB}/loyalty`,
      async () =>
        (await page.getByTestId('loyalty-points').isVisible()) &&
        (await loyaltyPoints(page)) > pointsBefore &&
        !(await recommended(page)).includes(pick ?? ''),
    )

    // TB10: the partner knows the parcel once shipping-api consumed order.placed.
    const tracking = page.getByTestId('tracking-state')
    await pollPage(page, `${WEB}/orders/${orderId}`, async () =>
      /Parcel status/.test(
        (await tracking
          .first()
          .innerText()
          .catch(() => '')) ?? '',
      ),
    )
    await expect(
      page.getByRole('list', { name: 'Parcel events' }).getByRole('listitem'),
    ).not.toHaveCount(0)
    await page.screenshot({ path: screenshotPath('tracking'), fullPage: true })

    // Nothing the page received carries a token or a key (the partner hop included).
    const tracked = received.filter((r) => r.url.endsWith(`/api/orders/${orderId}/tracking`))
    expect(tracked.length).toBeGreaterThan(0)
    for (const { url, body } of received) {
      for (const shape of SECRET_SHAPES) expect(body, url).not.toMatch(shape)
    }
    await context.close()
  })

  test('Sam registers a customer and finds them', async () => {
    const context = await personaContext(browser, 'sam')
    const page = await context.newPage()
    await page.goto(`${WEB}/staff`)
    const suffix = Date.now().toString(36)
    const email = `ada.${suffix}@example.com`
    await page.getByLabel('Full name').fill(`Ada Lindqvist ${suffix}`)
    await page.getByLabel('Email', { exact: true }).fill(email)
    await page.getByRole('button', { name: 'Register' }).click()
    await expect(
      page.getByRole('status').filter({ hasText: 'is registered with username' }),
    ).toBeVisible()
    await page.getByLabel('Name or email').fill(email)
    await page.getByRole('button', { name: 'Search' }).click()
    await expect(page.getByRole('cell', { name: email })).toBeVisible()
    await page.screenshot({ path: screenshotPath('staff'), fullPage: true })
    await context.close()
  })

  test("Katie cannot reach Sam's pages or Bob's orders", async () => {
    const bob = await personaContext(browser, 'bob')
    let { orders } = (await (await bob.request.get(`${WEB}/api/orders`)).json()) as {
      orders: { id: string }[]
    }
    if (orders.length === 0) {
      const placed = await bob.request.post(`${WEB}/api/orders`, {
        headers: { origin: WEB },
        data: {
          items: [{ sku: 'sku-city-bike', quantity: 1 }],
          card: { number: '4111111111111111', expMonth: 12, expYear: 2030, cvc: '123' },
        },
      })
      expect(placed.status()).toBe(201)
      orders = [(await placed.json()) as { id: string }]
    }
    const bobsOrder = orders[0]?.id ?? ''
    await bob.close()

    const katie = await personaContext(browser, 'katie')
    const page = await katie.newPage()
    const answer = page.waitForResponse((r) => r.url() === `${WEB}/api/orders/${bobsOrder}`)
    await page.goto(`${WEB}/orders/${bobsOrder}`)
    expect((await answer).status()).toBe(404)
    await expect(page.getByRole('alert').filter({ hasText: 'ZT_ERR_' })).toBeVisible()
    const tracking = await katie.request.get(`${WEB}/api/orders/${bobsOrder}/tracking`)
    expect(tracking.status()).toBe(404)

    await page.goto(`${WEB}/staff`)
    await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible()
    await katie.close()
  })
})
