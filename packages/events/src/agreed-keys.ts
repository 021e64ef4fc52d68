/**
 * Key-encryption keys (KEKs) agreed once per publisher key, subscriber key and key period, instead
 * of one ephemeral ECDH per recipient and message. Both sides compute the same KEK from their own
 * static ECDH key and the other's published one: WebCrypto `deriveBits` (ECDH P-256 or X25519),
 * then HKDF-SHA-256 (`deriveKey`) into a non-extractable AES-KW key. Nothing is hand-rolled and no
 * KEK is ever sent or stored; a message's recipient names its KEK by `kid`.
 *
 * The KEK id is `kek:<period>:<publisher kid>:<subscriber kid>` and is also the HKDF `info`, so the
 * derivation is bound to the period, both keys and this purpose: a recipient header naming another
 * period or key yields another KEK, and the AES-KW integrity check refuses it.
 *
 * @module
 */
import type { CryptoKey } from 'jose'
import type { NamedKey } from './keys.ts'

/** A key period is one UTC day: every KEK changes at midnight UTC without any coordination. */
export const KEY_PERIOD_SECONDS = 24 * 60 * 60

/** Clock difference tolerated between publisher and subscriber around a period change. */
export const KEY_PERIOD_SKEW_SECONDS = 5 * 60

/** Key management algorithm of a recipient under an agreed KEK. */
export const AGREED_KEY_ALGORITHM = 'A256KW'

const KEK_PREFIX = 'kek'
const SEPARATOR = ':'
const HKDF_SALT = new TextEncoder().encode('mythical-retail/events/agreed-kek/v1')

/** The system clock in seconds since the epoch (sealer and opener take another in tests). */
export const epochSeconds = (): number => Math.floor(Date.now() / 1000)

/** The period (UTC date, `YYYY-MM-DD`) that `epochSeconds` falls in. */
export function keyPeriodOf(epochSeconds: number): string {
  const start = Math.floor(epochSeconds / KEY_PERIOD_SECONDS) * KEY_PERIOD_SECONDS
  return new Date(start * 1000).toISOString().slice(0, 10)
}

/** The periods from `fromSeconds` to `toSeconds`, both included. */
export function keyPeriodsBetween(fromSeconds: number, toSeconds: number): Set<string> {
  const periods = new Set<string>()
  const last = Math.floor(toSeconds / KEY_PERIOD_SECONDS)
  for (let n = Math.floor(fromSeconds / KEY_PERIOD_SECONDS); n <= last; n++) {
    periods.add(keyPeriodOf(n * KEY_PERIOD_SECONDS))
  }
  return periods
}

export interface KekName {
  readonly period: string
  readonly publisherKid: string
  readonly subscriberKid: string
}

/** The `kid` naming the KEK of one publisher key, one subscriber key and one period. */
export function kekId({ period, publisherKid, subscriberKid }: KekName): string {
  for (const kid of [publisherKid, subscriberKid]) {
    if (kid.includes(SEPARATOR)) throw new TypeError(`key id "${kid}" must not contain ":"`)
  }
  return [KEK_PREFIX, period, publisherKid, subscriberKid].join(SEPARATOR)
}

/** Reads a KEK id back; `undefined` for any other `kid`. */
export function parseKekId(kid: unknown): KekName | undefined {
  if (typeof kid !== 'string') return undefined
  const parts = kid.split(SEPARATOR)
  if (parts.length !== 4 || parts[0] !== KEK_PREFIX) return undefined
  const [, period, publisherKid, subscriberKid] = parts as [string, string, string, string]
  if (!/^\d{4}-\d{2}-\d{2}$/.test(period) || !publisherKid || !subscriberKid) return undefined
  return { period, publisherKid, subscriberKid }
}

/**
 * Agrees the KEK named `name` between our private ECDH key and the peer's public one. The
 * publisher asks for `wrapKey`, a subscriber for `unwrapKey`: neither can do the other's job
 * with it.
 */
export async function agreeKeyEncryptionKey(
  own: NamedKey,
  peer: NamedKey,
  name: KekName,
  usage: 'wrapKey' | 'unwrapKey',
): Promise<CryptoKey> {
  const shared = await crypto.subtle.deriveBits(
    { name: own.key.algorithm.name, public: peer.key },
    own.key,
    256,
  )
  const secret = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: HKDF_SALT,
      info: new TextEncoder().encode(kekId(name)),
    },
    secret,
    { name: 'AES-KW', length: 256 },
    false,
    [usage],
  )
}

/**
 * Agreed KEKs held in memory for the periods still in use; any other period's entries are
 * dropped when the window moves, so at most (publisher keys × subscriber keys × periods) live.
 */
export function createKekCache(usage: 'wrapKey' | 'unwrapKey') {
  const keks = new Map<string, Promise<CryptoKey>>()
  return {
    /** Drops every KEK whose period is not in `periods`. */
    retain(periods: ReadonlySet<string>): void {
      for (const kid of keks.keys()) {
        if (!periods.has(parseKekId(kid)?.period ?? '')) keks.delete(kid)
      }
    },
    /** The KEK named `name`, agreed on first use. */
    get(own: NamedKey, peer: NamedKey, name: KekName): Promise<CryptoKey> {
      const kid = kekId(name)
      let kek = keks.get(kid)
      if (!kek) {
        kek = agreeKeyEncryptionKey(own, peer, name, usage)
        kek.catch(() => keks.delete(kid))
        keks.set(kid, kek)
      }
      return kek
    },
  }
}
