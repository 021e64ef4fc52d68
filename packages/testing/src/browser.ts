/**
 * A browser session at an IdP: cookies per jar, redirects followed only within the IdP, forms of
 * the interaction pages (login, TOTP, consent) submitted with their CSRF field.
 */
import { CookieJar, request } from './https.ts'
import type { Response } from './https.ts'
import type { BrowserClient } from './authorization.ts'

const location = (res: Response) => String(res.headers.location ?? '')

/** The `csrf` hidden field of an interaction page. */
export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html)
  if (!m?.[1]) throw new Error('no csrf field on the page')
  return m[1]
}

/** A browser session at the IdP. */
export class Browser {
  readonly jar = new CookieJar()
  readonly issuer: string
  /** The browser's own address (loopback aliases let a test play clients on other addresses). */
  readonly localAddress: string | undefined
  constructor(issuer: string, localAddress?: string) {
    this.issuer = issuer
    this.localAddress = localAddress
  }

  get(url: string, headers: Record<string, string> = {}) {
    const { jar, localAddress } = this
    return request(new URL(url, this.issuer).toString(), { jar, headers, localAddress })
  }

  post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    const { jar, localAddress } = this
    return request(new URL(url, this.issuer).toString(), { jar, form, headers, localAddress })
  }

  /** Follow IdP-internal redirects until one leaves the IdP or a page is shown. */
  async follow(res: Response): Promise<Response> {
    let current = res
    for (let i = 0; i < 10 && current.status >= 300 && current.status < 400; i++) {
      const next = new URL(location(current), this.issuer)
      if (next.origin !== new URL(this.issuer).origin) return current
      current = await this.get(next.toString())
    }
    return current
  }

  /** Start an authorization request by its `request_uri`; returns the first page shown. */
  async authorize(client: BrowserClient, requestUri: string): Promise<Response> {
    const url = `${this.issuer}/auth?client_id=${client}&request_uri=${encodeURIComponent(requestUri)}`
    return this.follow(await this.get(url))
  }

  /** Submit a form of the current interaction page (with `headers`) and follow redirects. */
  async submit(
    page: Response,
    action: 'login' | 'totp' | 'confirm' | 'abort',
    fields: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    const m = new RegExp(`action="(/interaction/[^"]+/${action})"`).exec(page.text)
    if (!m?.[1]) throw new Error(`page has no ${action} form: ${page.text.slice(0, 300)}`)
    return this.follow(await this.post(m[1], { csrf: csrfOf(page.text), ...fields }, headers))
  }
}

/** The authorization response parameters of a redirect to the client. */
export function callbackParams(res: Response): URLSearchParams {
  return new URL(location(res)).searchParams
}
