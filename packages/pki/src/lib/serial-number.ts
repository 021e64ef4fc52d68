import { randomBytes } from 'node:crypto'

/**
 * A random 128-bit serial number as hex. RFC 5280 §4.1.2.2 asks for unique positive serials of at
 * most 20 octets; random ones also keep two certificates issued in the same second distinct.
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16)
  // Clear the top bit so the DER INTEGER stays positive without a padding byte.
  bytes[0] = (bytes[0] ?? 0) & 0x7f
  return bytes.toString('hex')
}
