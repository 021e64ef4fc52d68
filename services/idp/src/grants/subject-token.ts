/**
 * Validation of an RFC 8693 `subject_token`: an access token this IdP issued, either
 *
 * - a JWT access token (RFC 9068): issuer checked first (a foreign issuer is refused before any
 *   key lookup), then signature against our own published keys (current and previous), `typ`
 *   `at+jwt`, expiry, and the allowed algorithms only; or
 * - an opaque access token: looked up in the provider's store (unknown, revoked or expired →
 *   refused).
 *
 * Failures throw `invalid_grant` tagged with a `token_exchange.*` audit reason.
 */
import { createLocalJWKSet, decodeJwt, errors as joseErrors, jwtVerify } from 'jose'
import type { JSONWebKeySet } from 'jose'
import type Provider from 'oidc-provider'
import { errors } from 'oidc-provider'
import { withReason } from '@mythical/service-kit'
import { ALLOWED_SIGNING_ALGS } from '../keys/signing-keys.ts'

/** What the exchange needs to know about a validated subject token. */
export interface SubjectToken {
  readonly accountId: string
  /** Client the token was issued to. */
  readonly clientId: string
  readonly audience: readonly string[]
  readonly scopes: readonly string[]
  /** Claims carried forward: `act`, `acr`, `amr`, `groups`. */
  readonly act?: Record<string, unknown>
  readonly acr?: string
  readonly amr?: readonly string[]
  readonly groups?: readonly string[]
}

const refuse = (reason: string, description: string) =>
  withReason(new errors.InvalidGrant(description), reason)

const asStrings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined

function fromClaims(claims: Record<string, unknown>, clientId: string): SubjectToken {
  const accountId = claims.sub
  if (typeof accountId !== 'string' || accountId === clientId) {
    throw refuse(
      'token_exchange.subject_token_without_user',
      'subject token does not represent a user',
    )
  }
  const aud = claims.aud
  return {
    accountId,
    clientId,
    audience: typeof aud === 'string' ? [aud] : (asStrings(aud) ?? []),
    scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
    ...(typeof claims.act === 'object' && claims.act !== null
      ? { act: claims.act as Record<string, unknown> }
      : {}),
    ...(typeof claims.acr === 'string' ? { acr: claims.acr } : {}),
    ...(asStrings(claims.amr) ? { amr: asStrings(claims.amr) } : {}),
    ...(asStrings(claims.groups) ? { groups: asStrings(claims.groups) } : {}),
  }
}

async function verifyJwtSubject(token: string, issuer: string, jwks: JSONWebKeySet) {
  let unverified: Record<string, unknown>
  try {
    unverified = decodeJwt(token)
  } catch {
    throw refuse('token_exchange.subject_token_invalid', 'subject token is malformed')
  }
  if (unverified.iss !== issuer) {
    throw refuse('token_exchange.foreign_issuer', 'subject token was not issued by this server')
  }
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer,
      typ: 'at+jwt',
      algorithms: [...ALLOWED_SIGNING_ALGS],
    })
    if (typeof payload.client_id !== 'string') {
      throw refuse('token_exchange.subject_token_invalid', 'subject token has no client_id')
    }
    return fromClaims(payload, payload.client_id)
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) {
      throw refuse('token_exchange.subject_token_expired', 'subject token is expired')
    }
    if (err instanceof joseErrors.JOSEError) {
      throw refuse('token_exchange.subject_token_invalid', 'subject token is invalid')
    }
    throw err
  }
}

async function findOpaqueSubject(provider: Provider, token: string) {
  const at = await provider.AccessToken.find(token)
  if (!at) throw refuse('token_exchange.subject_token_invalid', 'subject token is invalid')
  if (at.isExpired) throw refuse('token_exchange.subject_token_expired', 'subject token is expired')
  return fromClaims(
    { ...at.extra, sub: at.accountId, aud: at.aud, scope: at.scope },
    at.clientId ?? '',
  )
}

/**
 * Validate a subject token.
 *
 * @param jwks the IdP's public signing keys (every key still published)
 */
export function validateSubjectToken(
  provider: Provider,
  token: string,
  opts: { issuer: string; jwks: JSONWebKeySet },
): Promise<SubjectToken> {
  return token.split('.').length === 3
    ? verifyJwtSubject(token, opts.issuer, opts.jwks)
    : findOpaqueSubject(provider, token)
}
