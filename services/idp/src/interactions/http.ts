/**
 * Small HTTP helpers of the interaction pages: bounded form parsing and the response headers
 * every page carries (strict CSP without any script, no caching, no framing, no referrer).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Form bodies are tiny; anything larger is refused before it is buffered. */
const MAX_FORM_BYTES = 8 * 1024

/** Thrown for a body that is not a small urlencoded form. */
export class FormError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.name = 'FormError'
    this.status = status
  }
}

/** Read an `application/x-www-form-urlencoded` body (at most 8 KiB). */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim()
  if (type !== 'application/x-www-form-urlencoded') {
    throw new FormError(415, 'form must be application/x-www-form-urlencoded')
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_FORM_BYTES) throw new FormError(413, 'form too large')
    chunks.push(chunk as Buffer)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/**
 * Security headers of every HTML page the IdP serves: a strict CSP without any script, no
 * caching, no framing, no referrer to other origins. `formTargets` are the origins a form on the page may end up
 * at (the IdP itself, then the client's redirect URI after the provider's redirect).
 */
export function pageHeaders(formTargets: readonly string[]): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'none'",
      "script-src 'none'",
      "style-src 'none'",
      "img-src 'none'",
      `form-action 'self' ${formTargets.join(' ')}`.trim(),
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    // Not `no-referrer`: under it browsers send `Origin: null` with the page's own form posts,
    // which the interaction's same-origin check (rightly) refuses. `same-origin` still sends no
    // referrer to any other origin.
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
  }
}

/** Send an HTML page with {@link pageHeaders}. */
export function sendPage(
  res: ServerResponse,
  status: number,
  html: string,
  formTargets: readonly string[],
): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...pageHeaders(formTargets) })
  res.end(html)
}
