/**
 * Browser personas: Katie and Bob (shoppers, client `web`) and Sam (sales associate, client
 * `web-staff`, password + TOTP). Each signs in once through the real pages — web → IdP login
 * (and TOTP) → consent → callback — and the browser state (the web's `__Host-` session cookie and
 * the IdP's own session cookies) is kept in `.stack/e2e/auth/<persona>.json`, outside the
 * repository. A later spec reuses it while the web still knows the session, and signs in again
 * otherwise.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Browser, BrowserContext, Page } from '@playwright/test'
import { stackPaths } from '@mythical/stack'
import { totpNow } from '@mythical/testing'

export const WEB = 'https://localhost:3000'

export { screenshotPath } from './screenshot-paths.ts'

/** The first of `waits` to settle; the others may still time out later, unobserved. */
async function firstOf(...waits: Promise<unknown>[]): Promise<void> {
  for (const wait of waits) wait.catch(() => undefined)
  await Promise.race(waits)
}

export interface Persona {
  readonly username: string
  readonly password: string
  /** Which app of the web the persona signs in to. */
  readonly app: 'shop' | 'staff'
  readonly totpSecret?: string
}

export const PERSONAS = {
  katie: { username: 'katie', password: 'katie-loves-shopping', app: 'shop' },
  bob: { username: 'bob', password: 'bob-buys-bikes', app: 'shop' },
  sam: {
    username: 'sam',
    password: 'sam-sells-shoes',
    app: 'staff',
    totpSecret: 'JBSWY3DPEHPK3PXP',
  },
} as const satisfies Record<string, Persona>

export type PersonaName = keyof typeof PERSONAS

const AUTH_DIR = join(stackPaths().stack, 'e2e', 'auth')
/** The last TOTP time step used per secret: the IdP accepts each step once. */
const TOTP_STEPS = join(AUTH_DIR, 'totp-steps.json')
const TOTP_PERIOD_S = 30

const sessionProbe = (persona: Persona) =>
  `${WEB}${persona.app === 'staff' ? '/api/staff/session' : '/api/session'}`
export const signInStart = (persona: Persona) =>
  `${WEB}${persona.app === 'staff' ? '/staff/auth/login' : '/auth/login'}`

/** A TOTP code of a time step not used before (waits for the next step when needed). */
async function freshTotp(secret: string): Promise<string> {
  mkdirSync(AUTH_DIR, { recursive: true })
  const used = existsSync(TOTP_STEPS)
    ? (JSON.parse(readFileSync(TOTP_STEPS, 'utf8')) as Record<string, number>)
    : {}
  let step = Math.floor(Date.now() / 1000 / TOTP_PERIOD_S)
  if (step <= (used[secret] ?? 0)) {
    await sleep(((step + 1) * TOTP_PERIOD_S - Date.now() / 1000) * 1000 + 250)
    step = Math.floor(Date.now() / 1000 / TOTP_PERIOD_S)
  }
  writeFileSync(TOTP_STEPS, JSON.stringify({ ...used, [secret]: step }))
  return totpNow(secret, step * TOTP_PERIOD_S)
}

/**
 * Answers the IdP's pages in `page` after the web sent it there: login, the TOTP page when it
 * comes, consent when the grant is new. Ends back on the web.
 */
export async function answerIdpPages(page: Page, persona: Persona): Promise<void> {
  const back = (url: URL) => url.origin === WEB && !url.pathname.includes('/auth/')
  const username = page.getByLabel(/user ?name/i)
  const allow = page.getByRole('button', { name: 'Allow' })
  // An IdP session may already exist: then there is no login page, maybe not even consent.
  await firstOf(username.waitFor(), allow.waitFor(), page.waitForURL(back))
  if (await username.isVisible()) {
    await username.fill(persona.username)
    await page.getByLabel(/password/i).fill(persona.password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    if (persona.totpSecret) {
      const code = page.getByLabel('One-time code')
      await firstOf(code.waitFor(), allow.waitFor(), page.waitForURL(back))
      // Another suite may have used this time step for the same account: then the next one.
      for (let attempt = 0; attempt < 2 && (await code.isVisible()); attempt++) {
        await code.fill(await freshTotp(persona.totpSecret))
        await page.getByRole('button', { name: 'Verify' }).click()
        await firstOf(code.waitFor(), allow.waitFor(), page.waitForURL(back))
      }
    }
    await firstOf(allow.waitFor(), page.waitForURL(back))
  }
  if (await allow.isVisible()) await allow.click()
  await page.waitForURL(back)
}

/** Signs `persona` in through the web in `page` (a fresh sign-in, new session id). */
export async function signInPersona(page: Page, persona: Persona): Promise<void> {
  await page.goto(signInStart(persona))
  await answerIdpPages(page, persona)
}

/**
 * A browser context signed in as `name`: the stored state when the web still knows its session,
 * otherwise a new sign-in whose state is stored for the next spec.
 *
 * @example const katie = await personaContext(browser, 'katie')
 */
export async function personaContext(browser: Browser, name: PersonaName): Promise<BrowserContext> {
  const persona: Persona = PERSONAS[name]
  const file = join(AUTH_DIR, `${name}.json`)
  if (existsSync(file)) {
    const stored = await browser.newContext({ storageState: file })
    const probe = await stored.request.get(sessionProbe(persona))
    if (probe.ok() && ((await probe.json()) as { signedIn: boolean }).signedIn) return stored
    await stored.close()
  }
  const context = await browser.newContext()
  const page = await context.newPage()
  await signInPersona(page, persona)
  await page.close()
  mkdirSync(AUTH_DIR, { recursive: true })
  await context.storageState({ path: file })
  return context
}
