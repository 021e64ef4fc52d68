/**
 * Verifies a federated subject token (RFC 8693 §2.1 `subject_token`), in this order:
 *
 * - token type is `access_token` (then `typ` must be `at+jwt`, RFC 9068) or `jwt`;
 * - `alg` is one of ES256 / EdDSA / PS256 — refuses `none`, HS* (the "HS256 keyed with the
 *   public key" trick) and everything else before any key is looked up;
 * - `iss` is a configured trusted issuer — decided on the exact string before anything is fetched;
 * - signature against that issuer's JWKS (fetched over TLS anchored in its CA; unreachable ⇒ refused);
 * - `aud` contains our issuer, `exp`/`nbf`/`iat` hold (with a small clock tolerance), `sub` and
 *   `jti` are present;
 * - `jti` is used once (only after the signature holds, so forged tokens cannot fill the cache).
 */
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose'
import type { JWTVerifyGetKey } from 'jose'
import { FederationRefusal } from './errors.ts'
import type { ReplayCache } from './replay-cache.ts'
import type { TrustedIssuers } from './trusted-issuers.ts'

export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token'
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt'

/** Asymmetric algorithms the federation accepts (FAPI 2.0 set). */
export const ALLOWED_ALGS: readonly string[] = ['ES256', 'EdDSA', 'PS256']
/** Clock skew tolerated between the two trust domains. */
export const CLOCK_TOLERANCE_SECONDS = 30
/**
 * Default cap on a subject token's age (by `iat`): the retail IdP's access-token lifetime. A retail
 * token minted with a longer `exp` than the retail IdP ever issues is refused all the same.
 */
export const DEFAULT_MAX_TOKEN_AGE_SECONDS = 300

/** What the rest of the exchange may rely on once verification passed. */
export interface VerifiedSubject {
  readonly issuer: string
  readonly subject: string
  readonly jti: string
  readonly exp: number
  /** Scopes the retail user granted in the subject token (`scope`, RFC 9068 §2.2.3). */
  readonly scopes: ReadonlySet<string>
}

export interface SubjectTokenVerifier {
  verify(token: string, tokenType: string): Promise<VerifiedSubject>
}

export interface SubjectTokenVerifierOptions {
  /** Our own issuer: the audience every subject token must name. */
  readonly audience: string
  readonly trustedIssuers: TrustedIssuers
  readonly replayCache: ReplayCache
  /** Oldest subject token (seconds since `iat`) accepted; default {@link DEFAULT_MAX_TOKEN_AGE_SECONDS}. */
  readonly maxTokenAgeSeconds?: number
  /** Verification time (tests move it); defaults to now. */
  readonly currentDate?: () => Date
}

/**
 * @example
 *   const subject = await verifier.verify(params.subject_token, params.subject_token_type)
 */
export function createSubjectTokenVerifier(
  options: SubjectTokenVerifierOptions,
): SubjectTokenVerifier {
  return {
    async verify(token, tokenType) {
      if (tokenType !== TOKEN_TYPE_ACCESS_TOKEN && tokenType !== TOKEN_TYPE_JWT) {
        throw new FederationRefusal(
          'federation.unsupported_token_type',
          'invalid_request',
          'unsupported subject_token_type',
        )
      }
      const { alg, issuer } = peek(token)
      if (!ALLOWED_ALGS.includes(alg)) {
        throw new FederationRefusal(
          'federation.alg_not_allowed',
          'invalid_grant',
          'subject_token signing algorithm not allowed',
        )
      }
      const trusted = options.trustedIssuers.find(issuer)
      if (!trusted) {
        throw new FederationRefusal(
          'federation.untrusted_issuer',
          'invalid_grant',
          'subject_token issuer is not trusted',
        )
      }
      const payload = await verifySignatureAndClaims(token, tokenType, trusted.getKey, options)
      const { sub, jti, exp } = payload
      if (typeof sub !== 'string' || sub === '' || typeof jti !== 'string' || jti === '') {
        throw new FederationRefusal(
          'federation.invalid_claims',
          'invalid_grant',
          'subject_token must carry sub and jti',
        )
      }
      // jwtVerify's requiredClaims guarantees exp is present and a number.
      const expiry = exp as number
      const consumed = options.replayCache.consume(issuer, jti, expiry)
      if (consumed === 'replayed') {
        throw new FederationRefusal(
          'federation.replayed',
          'invalid_grant',
          'subject_token has already been used',
        )
      }
      if (consumed === 'full') {
        throw new FederationRefusal(
          'federation.replay_cache_full',
          'invalid_grant',
          'subject_token cannot be checked for replay right now',
        )
      }
      const scopes = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ') : [])
      return { issuer, subject: sub, jti, exp: expiry, scopes }
    },
  }
}

/** Reads `alg` and `iss` without trusting them yet (to pick policy and key source). */
function peek(token: string): { alg: string; issuer: string } {
  try {
    const { alg } = decodeProtectedHeader(token)
    const { iss } = decodeJwt(token)
    if (typeof alg !== 'string' || typeof iss !== 'string') throw new TypeError('alg/iss missing')
    return { alg, issuer: iss }
  } catch (cause) {
    throw new FederationRefusal(
      'federation.malformed',
      'invalid_grant',
      'subject_token is not a signed JWT',
      { cause },
    )
  }
}

async function verifySignatureAndClaims(
  token: string,
  tokenType: string,
  getKey: JWTVerifyGetKey,
  options: SubjectTokenVerifierOptions,
) {
  try {
    const { payload } = await jwtVerify(token, getKey, {
      algorithms: [...ALLOWED_ALGS],
      audience: options.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
      // RFC 9068 §4: an access token's `typ` must be checked to stop ID tokens posing as one.
      ...(tokenType === TOKEN_TYPE_ACCESS_TOKEN ? { typ: 'at+jwt' } : {}),
      ...(options.currentDate ? { currentDate: options.currentDate() } : {}),
    })
    return payload
  } catch (cause) {
    throw refusalFor(cause)
  }
}

/** Translates jose's typed errors into refusal reasons; anything unknown is refused too. */
function refusalFor(cause: unknown): FederationRefusal {
  const refuse = (code: FederationRefusal['code'], message: string) =>
    new FederationRefusal(code, 'invalid_grant', message, { cause })
  if (cause instanceof errors.JWTExpired)
    return refuse('federation.expired', 'subject_token expired')
  if (cause instanceof errors.JWTClaimValidationFailed) {
    switch (cause.claim) {
      case 'aud':
        return refuse('federation.audience_mismatch', 'subject_token audience is not this issuer')
      case 'nbf':
        return refuse('federation.not_yet_valid', 'subject_token is not yet valid')
      case 'iat':
        return refuse('federation.invalid_claims', 'subject_token iat is invalid')
      default:
        return refuse('federation.invalid_claims', `subject_token ${cause.claim} claim invalid`)
    }
  }
  if (
    cause instanceof errors.JWSSignatureVerificationFailed ||
    cause instanceof errors.JWKSNoMatchingKey ||
    cause instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return refuse('federation.bad_signature', 'subject_token signature invalid')
  }
  if (cause instanceof errors.JOSEAlgNotAllowed) {
    return refuse('federation.alg_not_allowed', 'subject_token signing algorithm not allowed')
  }
  if (cause instanceof errors.JWSInvalid || cause instanceof errors.JWTInvalid) {
    return refuse('federation.malformed', 'subject_token is not a valid JWT')
  }
  // JWKSTimeout, JWKSInvalid, TLS and network failures: we cannot check, so we refuse.
  return refuse('federation.jwks_unavailable', 'subject_token issuer keys unavailable')
}
