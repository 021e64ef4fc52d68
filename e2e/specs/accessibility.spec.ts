/**
 * Accessibility of the shop's main pages with axe-core (WCAG 2.x A/AA rules): no serious or
 * critical violation on the shop, cart and checkout, orders, an order with its tracking, loyalty,
 * and the staff pages — each checked once its data has loaded (or its empty state shows).
 */
import AxeBuilder from '@axe-core/playwright'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { launchTrustingBrowser } from '../support/browser-trust.ts'
import { expect, test } from '../support/fixtures.ts'
import { WEB, personaContext } from '../support/personas.ts'

const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']

/** Serious and critical violations of `page`, as `rule: targets` lines for a readable failure. */
async function seriousViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_TAGS).analyze()
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

test.describe('accessibility (axe)', () => {
  let browser: Browser
  let katie: BrowserContext
  let page: Page
  test.beforeAll(async () => {
    browser = await launchTrustingBrowser()
    katie = await personaContext(browser, 'katie')
    page = await katie.newPage()
  })
  test.afterAll(async () => browser?.close())

  async function check(path: string, loaded: () => Promise<void>) {
    await page.goto(`${WEB}${path}`)
    await loaded()
    expect(await seriousViolations(page), path).toEqual([])
  }

  test('shop and product list', async () => {
    await check('/', () => expect(page.getByRole('list', { name: 'Products' })).toBeVisible())
  })

  test('cart and checkout form', async () => {
    await page.goto(`${WEB}/`)
    await page
      .getByRole('button', { name: /^Add to cart/ })
      .first()
      .click()
    await check('/cart', () => expect(page.getByLabel('Card number')).toBeVisible())
  })

  test('orders and an order with its tracking', async () => {
    const { orders } = (await (await katie.request.get(`${WEB}/api/orders`)).json()) as {
      orders: { id: string }[]
    }
    let orderId = orders[0]?.id
    if (!orderId) {
      const placed = await katie.request.post(`${WEB}/api/orders`, {
        headers: { origin: WEB },
        data: {
          items: [{ sku: 'sku-wool-socks', quantity: 1 }],
          card: { number: '4111111111111111', expMonth: 12, expYear: 2030, cvc: '123' },
        },
      })
      expect(placed.status()).toBe(201)
      orderId = ((await placed.json()) as { id: string }).id
    }
    await check('/orders', () => expect(page.locator(`a[href="/orders/${orderId}"]`)).toBeVisible())
    await check(`/orders/${orderId}`, async () => {
      await expect(page.getByRole('heading', { name: /^Order / })).toBeVisible()
      await expect(page.getByText('Asking our shipping partner…')).toHaveCount(0)
    })
  })

  test('loyalty and recommendations', async () => {
    await check('/loyalty', () => expect(page.getByTestId('loyalty-points')).toBeVisible())
  })

  test('staff pages: signed out, Sam signed in, and the refusal', async () => {
    const visitor = await browser.newContext()
    const signedOut = await visitor.newPage()
    await signedOut.goto(`${WEB}/staff`)
    await expect(
      signedOut.getByRole('link', { name: 'Sign in as a sales associate' }),
    ).toBeVisible()
    expect(await seriousViolations(signedOut)).toEqual([])
    await visitor.close()

    const sam = await personaContext(browser, 'sam')
    const staff = await sam.newPage()
    await staff.goto(`${WEB}/staff`)
    await expect(staff.getByRole('heading', { name: 'Find a customer' })).toBeVisible()
    expect(await seriousViolations(staff)).toEqual([])
    await sam.close()

    await check('/staff', () =>
      expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible(),
    )
  })
})
