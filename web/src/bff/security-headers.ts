/**
 * Security headers on every response of the web, pages and BFF answers alike. The CSP carries a
 * fresh nonce per request: Next.js reads it from the request's `Content-Security-Policy` header
 * and puts it on its own scripts, so no `unsafe-inline` script is ever allowed.
 */
import { randomBytes } from 'node:crypto'

/** A fresh CSP nonce (128 bits, base64). */
export function newNonce(): string {
  return randomBytes(16).toString('base64')
}

/**
 * @example contentSecurityPolicy('abc') // "default-src 'self'; script-src 'self' 'nonce-abc' 'strict-dynamic'; …"
 */
export function contentSecurityPolicy(
  nonce: string,
  identityProviders: readonly string[] = [],
): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    // Next.js and React set inline style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    // Forms post to this origin only; sign-out's answer redirects to the IdP's end-session
    // endpoint, and browsers apply form-action to that redirect too.
    ["form-action 'self'", ...identityProviders].join(' '),
    "frame-ancestors 'none'",
    'upgrade-insecure-requests',
  ].join('; ')
}

/** Every header but the CSP, the same on every response. */
export const STATIC_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  // Not `no-referrer`: under it browsers send `Origin: null` with same-origin form posts (sign-out),
  // which the Origin check refuses. `same-origin` still sends nothing to other origins.
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
}
