/**
 * Validation of an RFC 8693 `subject_token`: an access token this IdP issued, either
 *
 * - a JWT access token (RFC 9068), verified by the OAuth kit's access-token verifier: no
 *   key-reference headers, the algorithm this IdP signs with, issuer (a foreign issuer is refused
 *   before any key lookup), signature against our own published keys (current and previous),
 *   `typ` `at+jwt`, expiry; or
 * - an opaque access token: looked up in the provider's store (unknown, revoked or expired →
 *   refused).
 *
 * Failures throw `invalid_grant` tagged with a `token_exchange.*` audit reason.
 */
import type { JSONWebKeySet } from 'jose'
import type Provider from 'oidc-provider'
import { errors } from 'oidc-provider'
import { OAuthKitError, createAccessTokenVerifier, createIssuerKeySet } from '@mythical/oauth'
import type { AccessTokenVerifier } from '@mythical/oauth'
import { withReason } from '@mythical/service-kit'

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
  /** Expiry, in seconds since the epoch: a token derived from this one never outlives it. */
  readonly expiresAt: number
  /** RFC 9449 `cnf.jkt` when the subject token is DPoP-bound. */
  readonly jkt?: string
  /** The authorization grant of an opaque subject token: derived tokens join it (revoked with it). */
  readonly grantId?: string
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
  if (typeof claims.exp !== 'number') {
    throw refuse('token_exchange.subject_token_invalid', 'subject token has no expiry')
  }
  const cnf = claims.cnf as { jkt?: unknown } | undefined
  const aud = claims.aud
  return {
    accountId,
    expiresAt: claims.exp,
    ...(typeof cnf?.jkt === 'string' ? { jkt: cnf.jkt } : {}),
    ...(typeof claims.grantId === 'string' ? { grantId: claims.grantId } : {}),
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

/** Algorithm this IdP signs access tokens with (`resource-server-info.ts`): pinned. */
const ACCESS_TOKEN_ALGORITHMS = ['ES256'] as const

/** One verifier per published key set: keys are imported once, not per exchange. */
const verifiers = new WeakMap<JSONWebKeySet, AccessTokenVerifier>()

function verifierFor(issuer: string, jwks: JSONWebKeySet): AccessTokenVerifier {
  let verifier = verifiers.get(jwks)
  if (verifier?.issuer !== issuer) {
    verifier = createAccessTokenVerifier({
      issuer,
      keys: createIssuerKeySet({ jwks }),
      algorithms: ACCESS_TOKEN_ALGORITHMS,
      // Any of our resources: whether the token is meant for the caller is the exchange's check.
      audience: null,
    })
    verifiers.set(jwks, verifier)
  }
  return verifier
}

async function verifyJwtSubject(token: string, issuer: string, jwks: JSONWebKeySet) {
  let payload: Record<string, unknown>
  try {
    ;({ payload } = await verifierFor(issuer, jwks).verify(token))
  } catch (err) {
    if (!(err instanceof OAuthKitError)) throw err
    if (err.code === 'token.issuer') {
      throw refuse('token_exchange.foreign_issuer', 'subject token was not issued by this server')
    }
    if (err.code === 'token.expired') {
      throw refuse('token_exchange.subject_token_expired', 'subject token is expired')
    }
    throw refuse('token_exchange.subject_token_invalid', 'subject token is invalid')
  }
  if (typeof payload.client_id !== 'string') {
    throw refuse('token_exchange.subject_token_invalid', 'subject token has no client_id')
  }
  return fromClaims(payload, payload.client_id)
}

async function findOpaqueSubject(provider: Provider, token: string) {
  const at = await provider.AccessToken.find(token)
  if (!at) throw refuse('token_exchange.subject_token_invalid', 'subject token is invalid')
  if (at.isExpired) throw refuse('token_exchange.subject_token_expired', 'subject token is expired')
  return fromClaims(
    {
      ...at.extra,
      sub: at.accountId,
      aud: at.aud,
      scope: at.scope,
      exp: at.exp,
      cnf: at.jkt ? { jkt: at.jkt } : undefined,
      grantId: at.grantId,
    },
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
