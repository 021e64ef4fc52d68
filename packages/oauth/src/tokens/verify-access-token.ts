/**
 * JWT access token verification (RFC 9068, RFC 8725), in this order — every step refuses with its
 * own reason code before the next one runs:
 *
 * - a compact JWS (`token.malformed`);
 * - no `jku` / `x5u` / `jwk` / `x5c` header: keys come from the configured issuer only, a token
 *   never chooses them (`token.header_injection`);
 * - `alg` pinned for this issuer — `none` and HS* never pass (`token.algorithm`);
 * - `iss` is the configured issuer, decided before any key lookup or fetch (`token.issuer`);
 * - signature with a key of the issuer's key set (`token.unknown_key`, `token.signature`;
 *   `jwks.unavailable` when the keys cannot be fetched: fail closed);
 * - `typ` (default `at+jwt`), `aud`, `exp`, `nbf`, optional maximum age, with a small clock
 *   tolerance;
 * - optionally, one-time use of `jti` (`token.replayed`), after the signature so forged tokens
 *   cannot fill the store.
 *
 * @module
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose'
import type { JWTPayload, JWTVerifyOptions, ProtectedHeaderParameters } from 'jose'
import { ACCESS_TOKEN_JWT_TYPE, isSigningAlgorithm } from '../constants.ts'
import type { SigningAlgorithm } from '../constants.ts'
import { OAuthKitError } from '../errors.ts'
import type { TokenReason } from '../errors.ts'
import type { ReplayStore } from '../replay-store.ts'
import type { IssuerKeySet } from './issuer-key-set.ts'

/** Default clock tolerance in seconds for `exp`/`nbf`. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5

/** JWS header parameters that point at keys; a verifier must never follow them. */
const KEY_REFERENCE_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const

/** Options of {@link createAccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  /** The exact `iss` accepted. */
  readonly issuer: string
  /** The issuer's keys (see `createIssuerKeySet`). */
  readonly keys: IssuerKeySet
  /** The algorithms this issuer signs with (pinned; a subset of `SIGNING_ALGORITHMS`). */
  readonly algorithms: readonly SigningAlgorithm[]
  /**
   * The audience(s) the token must name. `null` only where the caller checks `aud` itself (an IdP
   * verifying tokens it issued, for any of its resources).
   */
  readonly audience: string | readonly string[] | null
  /** Expected `typ`; default `at+jwt`. `null` accepts any `typ` (a plain RFC 7519 JWT). */
  readonly typ?: string | null
  /** Default {@link DEFAULT_CLOCK_TOLERANCE_SECONDS}. */
  readonly clockToleranceSeconds?: number
  /** Refuse tokens whose `iat` is older than this many seconds. */
  readonly maxTokenAgeSeconds?: number
  /** Claims that must be present besides `iss` and `exp`. */
  readonly requiredClaims?: readonly string[]
  /** When set, each `jti` is accepted once (until `exp` plus the clock tolerance). */
  readonly oneTimeUse?: ReplayStore
  /** Verification time (tests move it). */
  readonly currentDate?: () => Date
}

/** A verified token. */
export interface VerifiedAccessToken {
  readonly payload: JWTPayload
  readonly protectedHeader: ProtectedHeaderParameters
}

/** Verifies JWT access tokens of one issuer. */
export interface AccessTokenVerifier {
  readonly issuer: string
  verify(token: string): Promise<VerifiedAccessToken>
}

const refuse = (code: TokenReason, message: string, cause?: unknown) =>
  new OAuthKitError(code, message, { cause })

function checkHeaderAndIssuer(token: string, issuer: string, algorithms: readonly string[]): void {
  let header: ProtectedHeaderParameters
  let claims: JWTPayload
  if (typeof token !== 'string' || token.split('.').length !== 3) {
    throw refuse('token.malformed', 'token is not a compact JWS')
  }
  try {
    header = decodeProtectedHeader(token)
    claims = decodeJwt(token)
  } catch (cause) {
    throw refuse('token.malformed', 'token is not a signed JWT', cause)
  }
  if (KEY_REFERENCE_HEADERS.some((name) => name in header)) {
    throw refuse('token.header_injection', 'token header names its own key (jku/x5u/jwk/x5c)')
  }
  if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
    throw refuse('token.algorithm', 'token signing algorithm not allowed')
  }
  if (claims.iss !== issuer) throw refuse('token.issuer', 'token issuer is not trusted here')
}

/** Translates jose's typed errors into reason codes; anything unknown means "cannot check". */
function refusalFor(cause: unknown): OAuthKitError {
  if (cause instanceof OAuthKitError) return cause
  if (cause instanceof errors.JWTExpired) return refuse('token.expired', 'token expired', cause)
  if (cause instanceof errors.JWTClaimValidationFailed) {
    switch (cause.claim) {
      case 'aud':
        return refuse('token.audience', 'token is not for this audience', cause)
      case 'nbf':
        return refuse('token.not_yet_valid', 'token is not yet valid', cause)
      case 'iss':
        return refuse('token.issuer', 'token issuer is not trusted here', cause)
      case 'typ':
        return refuse('token.type', 'token typ is not the expected type', cause)
      default:
        return refuse('token.claims', `token ${cause.claim} claim invalid`, cause)
    }
  }
  if (
    cause instanceof errors.JWKSNoMatchingKey ||
    cause instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return refuse('token.unknown_key', 'token signed by a key the issuer does not publish', cause)
  }
  if (cause instanceof errors.JWSSignatureVerificationFailed) {
    return refuse('token.signature', 'token signature invalid', cause)
  }
  if (cause instanceof errors.JOSEAlgNotAllowed) {
    return refuse('token.algorithm', 'token signing algorithm not allowed', cause)
  }
  if (
    cause instanceof errors.JWSInvalid ||
    cause instanceof errors.JWTInvalid ||
    cause instanceof errors.JOSENotSupported
  ) {
    return refuse('token.malformed', 'token is not a valid JWT', cause)
  }
  // JWKSTimeout, JWKSInvalid, TLS, size cap and network failures: we cannot check, so we refuse.
  return refuse('jwks.unavailable', 'issuer keys unavailable', cause)
}

/**
 * @example
 *   const verifier = createAccessTokenVerifier({
 *     issuer: 'https://localhost:4000',
 *     keys: createIssuerKeySet({ jwksUri: 'https://localhost:4000/jwks', caPem }),
 *     algorithms: ['ES256'],
 *     audience: 'https://orders-api.retail.mythical.example',
 *   })
 *   const { payload } = await verifier.verify(token)
 */
export function createAccessTokenVerifier(
  options: AccessTokenVerifierOptions,
): AccessTokenVerifier {
  const algorithms = [...options.algorithms]
  if (algorithms.length === 0 || !algorithms.every(isSigningAlgorithm)) {
    throw new TypeError(
      '"algorithms" option must be a non-empty list of allowed signing algorithms',
    )
  }
  if (typeof options.issuer !== 'string' || options.issuer === '') {
    throw new TypeError('"issuer" option must be a non-empty string')
  }
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS
  if (!Number.isInteger(clockTolerance) || clockTolerance < 0) {
    throw new TypeError('"clockToleranceSeconds" option must be a non-negative integer')
  }
  const typ = options.typ === undefined ? ACCESS_TOKEN_JWT_TYPE : options.typ
  const requiredClaims = [
    'iss',
    'exp',
    ...(options.audience === null ? [] : ['aud']),
    ...(options.oneTimeUse ? ['jti'] : []),
    ...(options.requiredClaims ?? []),
  ]
  const verifyOptions = (): JWTVerifyOptions => ({
    issuer: options.issuer,
    algorithms,
    clockTolerance,
    requiredClaims,
    ...(options.audience === null
      ? {}
      : {
          audience: typeof options.audience === 'string' ? options.audience : [...options.audience],
        }),
    ...(typ === null ? {} : { typ }),
    ...(options.maxTokenAgeSeconds === undefined
      ? {}
      : { maxTokenAge: options.maxTokenAgeSeconds }),
    ...(options.currentDate ? { currentDate: options.currentDate() } : {}),
  })

  return {
    issuer: options.issuer,
    async verify(token) {
      checkHeaderAndIssuer(token, options.issuer, algorithms)
      let verified: VerifiedAccessToken
      try {
        verified = await jwtVerify(token, options.keys.getKey, verifyOptions())
      } catch (cause) {
        throw refusalFor(cause)
      }
      if (options.oneTimeUse) {
        const { jti, exp } = verified.payload
        if (typeof jti !== 'string' || jti === '') throw refuse('token.claims', 'token jti invalid')
        const key = JSON.stringify([options.issuer, jti])
        const consumed = await options.oneTimeUse.consume(key, (exp as number) + clockTolerance)
        if (consumed === 'replayed') throw refuse('token.replayed', 'token has already been used')
        if (consumed === 'full') {
          throw refuse('token.replay_store_full', 'token cannot be checked for replay right now')
        }
      }
      return verified
    },
  }
}
