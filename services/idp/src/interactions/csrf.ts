/**
 * CSRF protection of the interaction forms, two independent layers:
 *
 * - a token bound to the interaction: HMAC-SHA256(csrf key, uid), compared in constant time —
 *   a cross-site page cannot read it (the uid lives only in the user's URL and cookie);
 * - the request's `Origin` (when the browser sends one) and `Sec-Fetch-Site` must be our own.
 *
 * The interaction cookie itself is `SameSite=Lax`, so a cross-site POST arrives without it anyway.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Token for the forms of interaction `uid`. */
export function csrfToken(key: Buffer, uid: string): string {
  return createHmac('sha256', key).update(`interaction:${uid}`).digest('base64url')
}

/** Whether a submitted token belongs to interaction `uid`. */
export function csrfTokenValid(key: Buffer, uid: string, submitted: string | undefined): boolean {
  if (!submitted) return false
  const expected = Buffer.from(csrfToken(key, uid))
  const actual = Buffer.from(submitted)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Whether the request's browser metadata says it came from our own origin. */
export function sameOriginRequest(req: IncomingMessage, ownOrigin: string): boolean {
  const origin = req.headers.origin
  if (origin !== undefined && origin !== ownOrigin) return false
  const site = req.headers['sec-fetch-site']
  return site === undefined || site === 'same-origin'
}
