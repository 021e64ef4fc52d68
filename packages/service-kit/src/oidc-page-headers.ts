/**
 * Security headers of everything an OpenID provider serves, set once in front of the provider
 * (`withOidcProbes` applies {@link withSecurityHeaders}) so that no response depends on the page
 * that produced it remembering them:
 *
 * - `Strict-Transport-Security` on every response: the IdPs speak HTTPS only, and a browser that
 *   saw them once must never try plain HTTP again (no `includeSubDomains`: locally the host is
 *   `localhost`, shared with unrelated development servers);
 * - a CSP with a fresh nonce per response as the *default* for every page, including those
 *   oidc-provider renders itself: its auto-submitting form (`/session/end` without a session,
 *   `form_post`) appends its inline script's `sha256-…` to `script-src`, so that one script runs
 *   and nothing else, never `unsafe-inline`; no framing, no sniffing, no referrer.
 *
 * A page that knows better (the interaction pages, with their form targets) replaces the CSP with
 * its own strict one via `writeHead`; HSTS stays.
 */
import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { RequestListener } from './oidc-probes.ts'

/** One year; HSTS preload lists ask for at least that. */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000'

/** Options of {@link pageSecurityHeaders}. */
export interface PageSecurityOptions {
  /** Nonce that inline `<script>`/`<style>` elements must carry; without one, none may run. */
  nonce?: string
  /** Origins a form on the page may be sent to besides the provider itself. */
  formTargets?: readonly string[]
}

/**
 * The header set of an IdP page: HSTS, a CSP allowing nothing but same-origin forms (and, with a
 * nonce, inline elements carrying it), no framing, no MIME sniffing, no referrer.
 *
 * @example
 * ```ts
 * res.writeHead(200, { 'content-type': 'text/html', ...pageSecurityHeaders({ formTargets: [webOrigin] }) })
 * ```
 */
export function pageSecurityHeaders(opts: PageSecurityOptions = {}): Record<string, string> {
  const inline = opts.nonce ? `'nonce-${opts.nonce}'` : "'none'"
  return {
    'strict-transport-security': STRICT_TRANSPORT_SECURITY,
    'content-security-policy': [
      "default-src 'none'",
      `script-src ${inline}`,
      `style-src ${inline}`,
      "img-src 'none'",
      ["form-action 'self'", ...(opts.formTargets ?? [])].join(' '),
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  }
}

const nonces = new WeakMap<ServerResponse, string>()

/**
 * The CSP nonce of this response (set by {@link withSecurityHeaders}), for a page that needs an
 * inline element: `<style nonce="${cspNonce(res)}">`.
 */
export function cspNonce(res: ServerResponse): string | undefined {
  return nonces.get(res)
}

/**
 * Sets {@link pageSecurityHeaders} with a fresh nonce on every response before `handler` runs.
 *
 * @example
 * ```ts
 * const listener = withSecurityHeaders(provider.callback())
 * ```
 */
export function withSecurityHeaders(handler: RequestListener): RequestListener {
  return (req, res) => {
    const nonce = randomBytes(16).toString('base64')
    nonces.set(res, nonce)
    for (const [name, value] of Object.entries(pageSecurityHeaders({ nonce }))) {
      res.setHeader(name, value)
    }
    handler(req, res)
  }
}
