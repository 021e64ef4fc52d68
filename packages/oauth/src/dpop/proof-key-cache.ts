/**
 * The proof keys a DPoP verifier has seen, imported once: a client signs every proof with the same
 * key, so importing its `jwk` (jose's `EmbeddedJWK`) and hashing its RFC 7638 thumbprint on every
 * request is repeated work. Entries are keyed by the header's `alg` and `jwk` exactly as sent —
 * everything `EmbeddedJWK`'s result depends on — so a hit is the very key an import would give,
 * and every check of the import (public key, `use`, `alg`) still applied when it was made. The
 * cache is bounded (least recently used first out); an import that failed is not kept.
 *
 * @module
 */
import { EmbeddedJWK, calculateJwkThumbprint } from 'jose'
import type { CryptoKey, FlattenedJWSInput, JWK, JWSHeaderParameters } from 'jose'

/** Default number of proof keys kept. */
export const DEFAULT_PROOF_KEY_CACHE_ENTRIES = 10_000

interface Entry {
  readonly key: Promise<CryptoKey>
  thumbprint?: Promise<string>
}

/** Imported proof keys and their thumbprints. */
export class ProofKeyCache {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number

  constructor(maxEntries = DEFAULT_PROOF_KEY_CACHE_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new TypeError('"maxEntries" must be a positive integer')
    }
    this.#maxEntries = maxEntries
  }

  /** A jose key resolver: the embedded `jwk`, imported by `EmbeddedJWK` on first sight. */
  readonly resolve = (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> =>
    this.#entry(header, token).key

  /** RFC 7638 SHA-256 thumbprint of the key {@link resolve} gave for `header`. */
  thumbprint(header: JWSHeaderParameters): Promise<string> {
    const entry = this.#entries.get(ProofKeyCache.#keyOf(header))
    if (entry === undefined) return calculateJwkThumbprint(header.jwk as JWK, 'sha256')
    entry.thumbprint ??= calculateJwkThumbprint(header.jwk as JWK, 'sha256')
    return entry.thumbprint
  }

  static #keyOf(header: JWSHeaderParameters): string {
    return JSON.stringify([header.alg, header.jwk])
  }

  #entry(header: JWSHeaderParameters, token: FlattenedJWSInput): Entry {
    const id = ProofKeyCache.#keyOf(header)
    const cached = this.#entries.get(id)
    if (cached !== undefined) {
      // Most recently used goes last, so eviction takes the oldest.
      this.#entries.delete(id)
      this.#entries.set(id, cached)
      return cached
    }
    const entry: Entry = { key: EmbeddedJWK(header, token) }
    entry.key.catch(() => {
      if (this.#entries.get(id) === entry) this.#entries.delete(id)
    })
    this.#entries.set(id, entry)
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest !== undefined) this.#entries.delete(oldest)
    }
    return entry
  }
}
