/**
 * CSRF defence for state-changing requests (everything but GET/HEAD/OPTIONS): the session cookie
 * is `SameSite=Lax`, and the request must also come from this origin — its `Origin` header (or,
 * for browsers that omit it, `Sec-Fetch-Site: same-origin`) must match. Anything else is refused
 * before the session is even looked at.
 */
import type { IncomingHttpHeaders } from 'node:http'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * @example isSameOriginRequest('POST', { origin: 'https://evil.example' }, 'https://localhost:3000') // false
 */
export function isSameOriginRequest(
  method: string,
  headers: IncomingHttpHeaders,
  origin: string,
): boolean {
  if (SAFE_METHODS.has(method)) return true
  const claimed = headers.origin
  if (claimed !== undefined) return claimed === origin
  return headers['sec-fetch-site'] === 'same-origin'
}
