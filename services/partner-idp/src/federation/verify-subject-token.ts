/**
 * Verifies a federated subject token (RFC 8693 §2.1 `subject_token`) with the OAuth kit, in this
 * order:
 *
 * - token type is `access_token` (then `typ` must be `at+jwt`, RFC 9068) or `jwt`;
 * - `alg` is one of the kit's signing algorithms — refuses `none`, HS* (the "HS256 keyed with the
 *   public key" trick) and everything else before any key is looked up;
 * - `iss` is a configured trusted issuer — decided on the exact string before anything is fetched;
 * - the kit's access-token verifier: no key-reference headers, signature against that issuer's
 *   JWKS (fetched over TLS anchored in its CA; unreachable ⇒ refused), `aud` contains our issuer,
 *   `exp`/`nbf`/`iat` hold (with a small clock tolerance), `sub` and `jti` are present, and `jti`
 *   is used once (only after the signature holds, so forged tokens cannot fill the store).
 *
 * The kit's reason codes are translated into this IdP's `federation.*` audit reasons.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose'
import {
  OAuthKitError,
  TOKEN_TYPE,
  createAccessTokenVerifier,
  isSigningAlgorithm,
} from '@mythical/oauth'
import type { OAuthKitReason, ReplayStore } from '@mythical/oauth'
import { FederationRefusal } from './errors.ts'
import type { FederationReason } from './errors.ts'
import type { TrustedIssuer, TrustedIssuers } from './trusted-issuers.ts'

/** Signing algorithm the retail issuer uses (pinned: FAPI 2.0 set, narrowed to what it signs). */
const RETAIL_ALGORITHMS = ['ES256'] as const
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
  /** Where used `(iss, jti)` pairs are remembered (one-time use). */
  readonly replayStore: ReplayStore
  /** Oldest subject token (seconds since `iat`) accepted; default {@link DEFAULT_MAX_TOKEN_AGE_SECONDS}. */
  readonly maxTokenAgeSeconds?: number
  /** Verification time (tests move it); defaults to now. */
  readonly currentDate?: () => Date
}

/** The kit's reason → this IdP's audit reason. */
const FEDERATION_REASON: Partial<Record<OAuthKitReason, FederationReason>> = {
  'token.malformed': 'federation.malformed',
  'token.header_injection': 'federation.header_injection',
  'token.algorithm': 'federation.alg_not_allowed',
  'token.issuer': 'federation.untrusted_issuer',
  'token.unknown_key': 'federation.bad_signature',
  'token.signature': 'federation.bad_signature',
  'token.expired': 'federation.expired',
  'token.not_yet_valid': 'federation.not_yet_valid',
  'token.audience': 'federation.audience_mismatch',
  'token.type': 'federation.invalid_claims',
  'token.claims': 'federation.invalid_claims',
  'token.replayed': 'federation.replayed',
  'token.replay_store_full': 'federation.replay_cache_full',
  'jwks.unavailable': 'federation.jwks_unavailable',
}

function refusalFor(cause: unknown): FederationRefusal {
  const reason = cause instanceof OAuthKitError ? FEDERATION_REASON[cause.code] : undefined
  // Anything the kit did not classify: we cannot check, so we refuse.
  const code = reason ?? 'federation.jwks_unavailable'
  // The kit's messages never echo token contents; "token expired" → "subject_token expired".
  const detail = cause instanceof OAuthKitError ? cause.message.replace(/^token /, '') : 'refused'
  const message = `subject_token ${detail}`
  return new FederationRefusal(code, 'invalid_grant', message, { cause })
}

/**
 * @example
 *   const subject = await verifier.verify(params.subject_token, params.subject_token_type)
 */
export function createSubjectTokenVerifier(
  options: SubjectTokenVerifierOptions,
): SubjectTokenVerifier {
  const verifierFor = (trusted: TrustedIssuer, tokenType: string) =>
    createAccessTokenVerifier({
      issuer: trusted.issuer,
      keys: trusted.keys,
      algorithms: RETAIL_ALGORITHMS,
      audience: options.audience,
      // RFC 9068 §4: an access token's `typ` must be checked to stop ID tokens posing as one.
      typ: tokenType === TOKEN_TYPE.accessToken ? 'at+jwt' : null,
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
      maxTokenAgeSeconds: options.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE_SECONDS,
      requiredClaims: ['sub', 'iat', 'jti'],
      oneTimeUse: options.replayStore,
      ...(options.currentDate ? { currentDate: options.currentDate } : {}),
    })

  return {
    async verify(token, tokenType) {
      if (tokenType !== TOKEN_TYPE.accessToken && tokenType !== TOKEN_TYPE.jwt) {
        throw new FederationRefusal(
          'federation.unsupported_token_type',
          'invalid_request',
          'unsupported subject_token_type',
        )
      }
      const { alg, issuer } = peek(token)
      if (!isSigningAlgorithm(alg)) {
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
      let payload
      try {
        ;({ payload } = await verifierFor(trusted, tokenType).verify(token))
      } catch (cause) {
        throw refusalFor(cause)
      }
      const { sub, jti, exp } = payload
      if (typeof sub !== 'string' || sub === '' || typeof jti !== 'string' || jti === '') {
        throw new FederationRefusal(
          'federation.invalid_claims',
          'invalid_grant',
          'subject_token must carry sub and jti',
        )
      }
      const scopes = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ') : [])
      // The kit's verifier requires exp: it is a number here.
      return { issuer, subject: sub, jti, exp: exp as number, scopes }
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
