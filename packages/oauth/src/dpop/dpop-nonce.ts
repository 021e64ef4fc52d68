/**
 * Server-provided DPoP nonces (RFC 9449 §8–9): the server tells the client a nonce in a
 * `DPoP-Nonce` header and accepts only proofs that carry a recent one, so a proof cannot be
 * pre-computed for later use even by a client whose clock is wrong on purpose.
 *
 * Stateless: a nonce is a time window and its HMAC under a per-process key; the current and the
 * previous window are accepted, so every nonce lives between one and two lifetimes. Several
 * instances share nonces only if they share the key.
 *
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** Default seconds a nonce window lasts. */
export const DEFAULT_DPOP_NONCE_LIFETIME_SECONDS = 60

/** Issues and checks DPoP nonces. */
export interface DpopNonces {
  /** The nonce to send in the `DPoP-Nonce` response header. */
  current(): string
  /** Whether `nonce` is one this server issued for the current or the previous window. */
  isValid(nonce: string): boolean
}

/** Options of {@link createDpopNonces}. */
export interface DpopNonceOptions {
  /** Default {@link DEFAULT_DPOP_NONCE_LIFETIME_SECONDS}. */
  readonly lifetimeSeconds?: number
  /** HMAC key (at least 32 bytes); default a random key of this process. */
  readonly key?: Uint8Array
  /** Clock in seconds since the epoch (tests move it). */
  readonly now?: () => number
}

/**
 * @example
 *   const nonces = createDpopNonces()
 *   const dpop = createDpopVerifier({ nonces })
 *   reply.header('DPoP-Nonce', nonces.current())
 */
export function createDpopNonces(options: DpopNonceOptions = {}): DpopNonces {
  const lifetime = options.lifetimeSeconds ?? DEFAULT_DPOP_NONCE_LIFETIME_SECONDS
  if (!Number.isInteger(lifetime) || lifetime < 1) {
    throw new TypeError('"lifetimeSeconds" option must be a positive integer')
  }
  const key = options.key ?? randomBytes(32)
  if (key.byteLength < 32) throw new TypeError('"key" option must be at least 32 bytes')
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const windowNow = () => Math.floor(now() / lifetime)
  const tag = (window: number) => createHmac('sha256', key).update(String(window)).digest()
  const nonceOf = (window: number) => `${window}.${tag(window).toString('base64url')}`

  return {
    current: () => nonceOf(windowNow()),
    isValid(nonce) {
      const match = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(nonce)
      if (!match) return false
      const window = Number(match[1])
      const current = windowNow()
      if (window !== current && window !== current - 1) return false
      const presented = Buffer.from(match[2] ?? '', 'base64url')
      const expected = tag(window)
      return presented.length === expected.length && timingSafeEqual(presented, expected)
    },
  }
}
