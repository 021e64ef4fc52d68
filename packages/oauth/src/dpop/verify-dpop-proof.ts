/**
 * DPoP proof verification (RFC 9449 §4.3), in this order:
 *
 * - a compact JWS whose header has `typ` `dpop+jwt`, an allowed asymmetric `alg` and a public `jwk`
 *   (no private or symmetric key material);
 * - the signature verifies with that `jwk`;
 * - `htm` is the request method, `htu` the request URL without query and fragment (both compared
 *   after URL normalisation);
 * - `iat` lies within the acceptance window around now;
 * - `nonce` is a recent server nonce, when the server demands nonces (RFC 9449 §8);
 * - `ath` is base64url(SHA-256(access token)) when a token is presented;
 * - the key's thumbprint equals the token's `cnf.jkt` when one is expected;
 * - `jti` is used once per key (checked last, so forged proofs cannot fill the store).
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { decodeProtectedHeader, errors, jwtVerify } from 'jose'
import type { JWK } from 'jose'
import { DPOP_PROOF_TYPE, SIGNING_ALGORITHMS, isSigningAlgorithm } from '../constants.ts'
import { OAuthKitError } from '../errors.ts'
import type { DpopReason } from '../errors.ts'
import { MemoryReplayStore } from '../replay-store.ts'
import type { ReplayStore } from '../replay-store.ts'
import type { DpopNonces } from './dpop-nonce.ts'
import { ProofKeyCache } from './proof-key-cache.ts'

/** Default seconds a proof's `iat` may lie in the past or the future. */
export const DEFAULT_DPOP_IAT_WINDOW_SECONDS = 60

/** JWK members that only a private or symmetric key has. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

/** Options of {@link createDpopVerifier}. */
export interface DpopVerifierOptions {
  /** Where used `jti`s are remembered; default a {@link MemoryReplayStore}. */
  readonly replayStore?: ReplayStore
  /** Accepted proof algorithms; default {@link SIGNING_ALGORITHMS}. */
  readonly algorithms?: readonly string[]
  /** Seconds `iat` may differ from now; default {@link DEFAULT_DPOP_IAT_WINDOW_SECONDS}. */
  readonly iatWindowSeconds?: number
  /** Clock in seconds since the epoch (tests move it). */
  readonly now?: () => number
  /**
   * Demand server nonces: a proof without a valid `nonce` is refused with `dpop.nonce` (OAuth
   * error `use_dpop_nonce`); answer it with a `DPoP-Nonce: nonces.current()` header.
   */
  readonly nonces?: DpopNonces
  /** Proof keys kept imported (with their thumbprints); default 10 000. */
  readonly maxCachedKeys?: number
}

/** The request a proof must match. */
export interface DpopRequest {
  /** The `DPoP` header value. */
  readonly proof: string
  /** HTTP method of the request, e.g. `GET`. */
  readonly method: string
  /** The absolute request URL as the client addressed it (query and fragment are ignored). */
  readonly url: string | URL
  /** The access token presented with the proof; its hash must be the proof's `ath`. */
  readonly accessToken?: string
  /** The token's `cnf.jkt`; the proof key's thumbprint must equal it. */
  readonly expectedJkt?: string
}

/** A verified proof. */
export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key (what `cnf.jkt` binds to). */
  readonly jkt: string
  readonly jti: string
  readonly iat: number
  readonly publicJwk: JWK
}

/** Verifies DPoP proofs; holds the replay store. */
export interface DpopVerifier {
  verify(request: DpopRequest): Promise<VerifiedDpopProof>
}

const refuse = (code: DpopReason, message: string, cause?: unknown) =>
  new OAuthKitError(code, message, { cause })

/** `htu` comparison form (RFC 9449 §4.3 step 9): normalised, without query and fragment. */
function normaliseHtu(value: string | URL): string | undefined {
  try {
    const url = new URL(value)
    url.search = ''
    url.hash = ''
    return url.href
  } catch {
    return undefined
  }
}

/** base64url(SHA-256(ASCII(access token))), RFC 9449 §4.2 `ath`. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url')
}

const sameText = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function checkHeader(proof: string, algorithms: readonly string[]): void {
  let header
  try {
    header = decodeProtectedHeader(proof)
  } catch (cause) {
    throw refuse('dpop.malformed', 'DPoP proof is not a signed JWT', cause)
  }
  if (proof.split('.').length !== 3)
    throw refuse('dpop.malformed', 'DPoP proof is not a compact JWS')
  if (header.typ !== DPOP_PROOF_TYPE) throw refuse('dpop.type', 'DPoP proof typ must be dpop+jwt')
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw refuse('dpop.algorithm', 'DPoP proof algorithm not allowed')
  }
  const jwk = header.jwk
  if (typeof jwk !== 'object' || jwk === null || jwk.kty === 'oct') {
    throw refuse('dpop.key', 'DPoP proof must carry a public jwk')
  }
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) {
    throw refuse('dpop.key', 'DPoP proof jwk must not contain private key material')
  }
}

/**
 * @example
 *   const dpop = createDpopVerifier()
 *   const { jkt } = await dpop.verify({
 *     proof: request.headers.dpop,
 *     method: 'GET',
 *     url: 'https://localhost:8443/shopping/me',
 *     accessToken,
 *     expectedJkt: introspection.cnf?.jkt,
 *   })
 */
export function createDpopVerifier(options: DpopVerifierOptions = {}): DpopVerifier {
  const algorithms = [...(options.algorithms ?? SIGNING_ALGORITHMS)]
  if (algorithms.length === 0 || !algorithms.every(isSigningAlgorithm)) {
    throw new TypeError(
      `"algorithms" option must be a non-empty subset of ${SIGNING_ALGORITHMS.join(', ')}`,
    )
  }
  const window = options.iatWindowSeconds ?? DEFAULT_DPOP_IAT_WINDOW_SECONDS
  if (!Number.isInteger(window) || window < 1) {
    throw new TypeError('"iatWindowSeconds" option must be a positive integer')
  }
  const replayStore = options.replayStore ?? new MemoryReplayStore()
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const proofKeys = new ProofKeyCache(options.maxCachedKeys)

  return {
    async verify(request) {
      const { proof } = request
      if (typeof proof !== 'string' || proof === '') {
        throw refuse('dpop.malformed', 'DPoP proof missing')
      }
      checkHeader(proof, algorithms)
      let payload
      let protectedHeader
      try {
        ;({ payload, protectedHeader } = await jwtVerify(proof, proofKeys.resolve, {
          typ: DPOP_PROOF_TYPE,
          algorithms,
          requiredClaims: ['jti', 'iat', 'htm', 'htu'],
        }))
      } catch (cause) {
        if (cause instanceof errors.JWSSignatureVerificationFailed) {
          throw refuse('dpop.signature', 'DPoP proof signature invalid', cause)
        }
        if (cause instanceof errors.JOSENotSupported) {
          throw refuse('dpop.key', 'DPoP proof jwk is not usable', cause)
        }
        throw refuse('dpop.malformed', 'DPoP proof is not a valid JWT', cause)
      }
      const { jti, iat, htm, htu, ath } = payload
      if (typeof jti !== 'string' || jti === '' || typeof iat !== 'number') {
        throw refuse('dpop.malformed', 'DPoP proof must carry jti and iat')
      }
      if (htm !== request.method) throw refuse('dpop.htm', 'DPoP proof htm does not match')
      const expectedHtu = normaliseHtu(request.url)
      if (expectedHtu === undefined) throw new TypeError('"url" must be an absolute URL')
      if (typeof htu !== 'string' || normaliseHtu(htu) !== expectedHtu) {
        throw refuse('dpop.htu', 'DPoP proof htu does not match')
      }
      const current = now()
      if (Math.abs(current - iat) > window) {
        throw refuse('dpop.iat', 'DPoP proof iat outside the acceptance window')
      }
      if (options.nonces) {
        const { nonce } = payload
        if (typeof nonce !== 'string' || !options.nonces.isValid(nonce)) {
          throw new OAuthKitError('dpop.nonce', 'DPoP proof nonce missing or stale', {
            oauthError: 'use_dpop_nonce',
          })
        }
      }
      if (request.accessToken !== undefined) {
        if (typeof ath !== 'string' || !sameText(ath, accessTokenHash(request.accessToken))) {
          throw refuse('dpop.ath', 'DPoP proof ath does not match the access token')
        }
      }
      const publicJwk = protectedHeader.jwk as JWK
      const jkt = await proofKeys.thumbprint(protectedHeader)
      if (request.expectedJkt !== undefined && !sameText(jkt, request.expectedJkt)) {
        throw refuse('dpop.jkt', 'DPoP proof key is not the key the token is bound to')
      }
      // A proof outside the window is refused anyway, so it need not be remembered longer.
      const consumed = await replayStore.consume(JSON.stringify([jkt, jti]), iat + window)
      if (consumed === 'replayed') throw refuse('dpop.replayed', 'DPoP proof jti already used')
      if (consumed === 'full') {
        throw refuse('dpop.replay_store_full', 'DPoP proof cannot be checked for replay right now')
      }
      return { jkt, jti, iat, publicJwk }
    },
  }
}
