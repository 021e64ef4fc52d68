/**
 * Password hashing with node:crypto scrypt (RFC 7914): a fresh 16-byte salt per hash, the cost
 * parameters stored with the hash so they can be raised later (old hashes are upgraded on the
 * next successful sign-in, see {@link needsRehash}), and a constant-time comparison.
 *
 * Format: `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>`.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/**
 * OWASP Password Storage Cheat Sheet, scrypt: N=2^17, r=8, p=1 (128 MiB per hash — above Node's
 * default `maxmem` of 32 MiB, hence the explicit limit below). Concurrent hashes are bounded by
 * libuv's thread pool (4) and the sign-in rate limits.
 */
const DEFAULT_COST = { N: 2 ** 17, r: 8, p: 1 } as const
const KEY_LENGTH = 32
const SALT_LENGTH = 16

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    )
  })
}

/**
 * Hash a password for storage.
 *
 * @example
 * ```ts
 * const stored = await hashPassword('katie-loves-shopping') // 'scrypt$32768$8$1$…'
 * ```
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH)
  const { N, r, p } = DEFAULT_COST
  const hash = await scryptAsync(password, salt, N, r, p)
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

/**
 * Check a password against a stored hash in constant time. A malformed stored value verifies
 * as `false` rather than throwing, so a corrupt row cannot become a login oracle.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [N, r, p] = parts.slice(1, 4).map(Number)
  if (!N || !r || !p) return false
  const salt = Buffer.from(parts[4] ?? '', 'base64url')
  const expected = Buffer.from(parts[5] ?? '', 'base64url')
  if (expected.length !== KEY_LENGTH) return false
  const actual = await scryptAsync(password, salt, N, r, p)
  return timingSafeEqual(actual, expected)
}

/**
 * Whether a stored hash is below the current cost (or not a hash this module understands), so
 * the password should be hashed again while it is at hand after a successful sign-in.
 */
export function needsRehash(stored: string): boolean {
  const [scheme, N, r, p] = stored.split('$')
  return (
    scheme !== 'scrypt' ||
    Number(N) < DEFAULT_COST.N ||
    Number(r) < DEFAULT_COST.r ||
    Number(p) < DEFAULT_COST.p
  )
}

/**
 * A hash of a random password, verified when the username does not exist so that unknown and
 * known usernames take the same time (no user enumeration by timing).
 */
export const decoyPasswordHash: Promise<string> = hashPassword(randomBytes(16).toString('hex'))
