/**
 * The only thing the browser holds: an opaque, random session id in a `__Host-` cookie
 * (HttpOnly, Secure, Path=/, no Domain: bound to this origin). The database keys sessions by the
 * SHA-256 of the id, so a read of the table cannot be replayed as a cookie.
 */
import { createHash, randomBytes } from 'node:crypto'

/** A fresh 256-bit session id (base64url). */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url')
}

/** What the database stores for an id. */
export function sessionKey(id: string): Buffer {
  return createHash('sha256').update(id).digest()
}

/** Reads one cookie from a `Cookie` header; `undefined` when absent or malformed. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) {
      const value = rest.join('=')
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined
    }
  }
  return undefined
}

/** `Set-Cookie` value for a session id; `maxAgeSeconds` 0 clears it. */
export function sessionCookie(name: string, id: string, maxAgeSeconds: number): string {
  return `${name}=${id}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}`
}
