/**
 * TB11 — staff ↔ shop-assistant-api, in the browser. Sam signs in to the staff app with password
 * and TOTP and looks up and registers customers. A token without MFA meets the RFC 9470 step-up
 * challenge, and the app's "confirm with one-time code" signs him in again with `acr_values`;
 * a token without the `sales-associate` role, and Katie's shopper session, see "Not allowed".
 * Every refusal: status, problem `code`, and the audit reason of the service that decided.
 */
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { auditRecordsOf, hasDecision } from '../support/audit-log.ts'
import { launchTrustingBrowser } from '../support/browser-trust.ts'
import { expect, test } from '../support/fixtures.ts'
import { PERSONAS, WEB, answerIdpPages, personaContext, signInStart } from '../support/personas.ts'
import { weakenStaffTokens, type Weakening } from '../support/staff-token-store.ts'

const STAFF_COOKIE = '__Host-mythical-staff'

interface Problem {
  code: string
  traceId: string
}

/** The deciding service's audit record of the refusal (same trace as the problem). */
async function expectAudit(traceId: string, service: string, reason: string) {
  const records = await auditRecordsOf(traceId, service, hasDecision('deny', reason))
  expect(records.map((r) => [r.decision, r.reason])).toContainEqual(['deny', reason])
}

/** Searches in the staff app and returns the BFF's answer to the search. */
async function search(page: Page, q: string) {
  const answer = page.waitForResponse((r) => r.url().startsWith(`${WEB}/api/staff/customers?`))
  await page.getByLabel('Name or email').fill(q)
  await page.getByRole('button', { name: 'Search' }).click()
  return answer
}

test.describe('TB11 staff ↔ shop-assistant-api (browser)', () => {
  let browser: Browser
  test.beforeAll(async () => {
    browser = await launchTrustingBrowser()
  })
  test.afterAll(async () => browser?.close())

  /**
   * Sam's own new staff session (his IdP session from the stored state, the web session new), its
   * tokens weakened as `how` says before their first use.
   */
  async function weakenedSam(how: Weakening): Promise<{ context: BrowserContext; page: Page }> {
    const stored = await personaContext(browser, 'sam')
    const state = await stored.storageState()
    await stored.close()
    const context = await browser.newContext({
      storageState: { ...state, cookies: state.cookies.filter((c) => c.name !== STAFF_COOKIE) },
    })
    const page = await context.newPage()
    // Token `iat` has whole seconds.
    const since = new Date(Math.floor(Date.now() / 1000) * 1000)
    await page.goto(signInStart(PERSONAS.sam))
    await answerIdpPages(page, PERSONAS.sam)
    expect(await weakenStaffTokens(how, since)).toBeGreaterThan(0)
    await page.goto(`${WEB}/staff`)
    return { context, page }
  }

  test('Sam with MFA looks a customer up and registers a new one', async () => {
    const context = await personaContext(browser, 'sam')
    const page = await context.newPage()
    await page.goto(`${WEB}/staff`)
    await expect(page.getByRole('heading', { name: 'Shop assistant' })).toBeVisible()
    const found = await search(page, 'katie')
    expect(found.status()).toBe(200)
    await expect(page.getByRole('cell', { name: 'katie@example.com' })).toBeVisible()

    const name = `Nia Walker ${Date.now().toString(36)}`
    await page.getByLabel('Full name').fill(name)
    await page
      .getByLabel('Email', { exact: true })
      .fill(`nia.${Date.now().toString(36)}@example.com`)
    const registered = page.waitForResponse(
      (r) => r.url() === `${WEB}/api/staff/customers` && r.request().method() === 'POST',
    )
    await page.getByRole('button', { name: 'Register' }).click()
    expect((await registered).status()).toBe(201)
    await expect(
      page.getByRole('status').filter({ hasText: 'is registered with username' }),
    ).toBeVisible()
    await context.close()
  })

  test('without MFA: 401 step-up challenge, then the app signs in again with acr_values', async () => {
    const { context, page } = await weakenedSam('password-only')
    const refused = await search(page, 'katie')
    expect(refused.status()).toBe(401)
    const problem = (await refused.json()) as Problem
    expect(problem.code).toBe('ZT_ERR_STEP_UP_REQUIRED')
    await expectAudit(problem.traceId, 'shop-assistant-api', 'acr.insufficient')

    const stepUp = page.getByRole('link', { name: 'Confirm with one-time code' })
    await expect(stepUp).toBeVisible()
    const authorize = page.waitForRequest((r) => r.url().startsWith(`${WEB}/staff/auth/login`))
    await stepUp.click()
    expect(new URL((await authorize).url()).searchParams.get('stepUp')).toBe('mfa')
    await page.waitForURL((url) => url.origin === 'https://localhost:4000')
    await answerIdpPages(page, PERSONAS.sam)
    const after = await search(page, 'katie')
    expect(after.status()).toBe(200)
    await expect(page.getByRole('cell', { name: 'katie@example.com' })).toBeVisible()
    await context.close()
  })

  test('missing role: 403 ZT_ERR_ROLE_REQUIRED and the "Not allowed" page', async () => {
    const { context, page } = await weakenedSam('no-role')
    const refused = await search(page, 'katie')
    expect(refused.status()).toBe(403)
    const problem = (await refused.json()) as Problem
    expect(problem.code).toBe('ZT_ERR_ROLE_REQUIRED')
    await expectAudit(problem.traceId, 'shop-assistant-api', 'role.missing')
    await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible()
    await expect(
      page.getByText(`Code ZT_ERR_ROLE_REQUIRED · trace ${problem.traceId}`),
    ).toBeVisible()
    await context.close()
  })

  test('a shopper is refused: Katie sees "Not allowed", and cannot sign in to the staff app', async () => {
    const context = await personaContext(browser, 'katie')
    const page = await context.newPage()
    await page.goto(`${WEB}/staff`)
    await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'Find a customer' })).toHaveCount(0)

    const refused = await context.request.get(`${WEB}/api/staff/customers?q=bob`)
    expect(refused.status()).toBe(403)
    const problem = (await refused.json()) as Problem
    expect(problem.code).toBe('ZT_ERR_STAFF_ONLY')
    const records = await auditRecordsOf(
      problem.traceId,
      'web',
      hasDecision('deny', 'staff.shopper_session'),
    )
    expect(records.map((r) => [r.decision, r.reason, r.boundary])).toContainEqual([
      'deny',
      'staff.shopper_session',
      'TB11',
    ])

    // At the staff sign-in the IdP demands a second factor Katie does not have.
    await page.goto(signInStart(PERSONAS.sam))
    await page.getByLabel(/user ?name/i).fill(PERSONAS.katie.username)
    await page.getByLabel(/password/i).fill(PERSONAS.katie.password)
    const answer = page.waitForResponse((r) => r.request().method() === 'POST')
    await page.getByRole('button', { name: 'Sign in' }).click()
    expect((await answer).status()).toBe(403)
    await expect(page.getByText('none is set up for this account')).toBeVisible()
    expect((await context.cookies(WEB)).map((c) => c.name)).not.toContain(STAFF_COOKIE)
    await context.close()
  })
})
