/**
 * A replacement for oidc-provider's built-in error page (`renderError`), whose default imports a
 * web font from a third-party host and echoes internals: a plain page with a fixed heading, the
 * escaped `error_description` only, no script, one inline style allowed by the response's CSP
 * nonce, nothing loaded from anywhere, not cached. The response keeps the security headers
 * `withSecurityHeaders` set.
 *
 * The context is typed structurally (only `res`, `set`, `type` and `body` are used), so this
 * module does not depend on oidc-provider; the function fits its `renderError` option as it is.
 */
import type { ServerResponse } from 'node:http'
import { cspNonce } from './oidc-page-headers.ts'

/** The part of oidc-provider's `KoaContextWithOIDC` the page writes. */
export interface OidcPageContext {
  readonly res: ServerResponse
  set(headers: Record<string, string>): void
  type: string
  body: unknown
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)

/** System fonts only: the page must not load anything, from anywhere. */
const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}'

/**
 * Renders the provider's error page.
 *
 * @example
 * ```ts
 * new Provider(issuer, { renderError: renderProviderError, … })
 * ```
 */
export async function renderProviderError(
  ctx: OidcPageContext,
  out: { error_description?: string },
): Promise<void> {
  const message = out.error_description ?? 'The request could not be completed.'
  const nonce = cspNonce(ctx.res)
  // Without a nonce (no withSecurityHeaders in front) the CSP forbids inline styles: leave it out.
  const style = nonce ? `<style nonce="${escapeHtml(nonce)}">${STYLE}</style>` : ''
  ctx.set({ 'cache-control': 'no-store' })
  ctx.type = 'html'
  ctx.body = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Something went wrong</title>${style}</head>
<body>
<h1>Something went wrong</h1>
<p role="alert">${escapeHtml(message)}</p>
</body>
</html>`
}
