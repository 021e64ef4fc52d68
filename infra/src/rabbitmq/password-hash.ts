import { createHash, randomBytes } from 'node:crypto'

/** RabbitMQ's name for the hash below, as it appears in definitions files. */
export const HASHING_ALGORITHM = 'rabbit_password_hashing_sha256'

/**
 * Hashes a password the way RabbitMQ's internal user database stores it
 * (`rabbit_password_hashing_sha256`): base64(salt ‖ SHA-256(salt ‖ password)) with a 4-byte salt.
 * This lets the definitions file carry users without ever holding a clear-text password.
 *
 * @param salt Only for tests; a fresh random salt otherwise.
 */
export function rabbitPasswordHash(password: string, salt: Buffer = randomBytes(4)): string {
  if (salt.length !== 4) throw new TypeError('salt must be 4 bytes')
  const digest = createHash('sha256').update(salt).update(password, 'utf8').digest()
  return Buffer.concat([salt, digest]).toString('base64')
}
