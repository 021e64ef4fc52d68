import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'

/** PostgreSQL's default SCRAM iteration count (`scram_iterations`). */
const ITERATIONS = 4096

/**
 * Computes the SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802 / RFC 7677,
 * format `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`). Handing the server the
 * verifier instead of the password keeps the password out of the server's memory and out of any
 * statement it logs (`ALTER ROLE … PASSWORD` shows up in the log on error).
 *
 * The password must be ASCII (ours are base64url): SASLprep is the identity on it.
 */
export function scramSha256Verifier(password: string, salt = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, ITERATIONS, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}
