/**
 * The one credential order-tracking-api accepts: a **partner-issued** access token (RFC 9068 JWT
 * of partner-idp, audience order-tracking-api, scope `tracking:read`), verified by
 * `@mythical/oauth`'s verifier against partner-idp's JWKS fetched over TLS anchored in the shipping
 * CA only. Everything else is refused, fail closed, each with its problem and audit reason:
 *
 * | presented                                   | status | problem `code`              | audit `reason`          |
 * |---------------------------------------------|--------|-----------------------------|-------------------------|
 * | no `Authorization: Bearer`                  | 401    | `ZT_ERR_TOKEN_MISSING`      | `token.missing`         |
 * | a retail IdP token (never accepted here)    | 401    | `ZT_ERR_TOKEN_INVALID`      | `token.retail_issuer`   |
 * | any other issuer, a self-made JWT           | 401    | `ZT_ERR_TOKEN_INVALID`      | `token.issuer`          |
 * | bad signature, unknown key, alg, typ, …     | 401    | `ZT_ERR_TOKEN_INVALID`      | the kit's `token.*`     |
 * | expired                                     | 401    | `ZT_ERR_TOKEN_INVALID`      | `token.expired`         |
 * | another audience                            | 401    | `ZT_ERR_TOKEN_AUDIENCE`     | `token.audience`        |
 * | sender-constrained (`cnf`): no proof here   | 401    | `ZT_ERR_TOKEN_NOT_BOUND`    | `token.binding_unverifiable` |
 * | no `sub`                                    | 401    | `ZT_ERR_TOKEN_INVALID`      | `token.subject_missing` |
 * | without `tracking:read`                     | 403    | `ZT_ERR_INSUFFICIENT_SCOPE` | `scope.insufficient`    |
 * | partner-idp's keys unreachable              | 401    | `ZT_ERR_TOKEN_INVALID`      | `jwks.unavailable`      |
 *
 * @module
 */
import type { AuditLogger } from '@mythical/audit'
import { OAuthKitError, type AccessTokenVerifier } from '@mythical/oauth'
import type { ProblemError } from '@mythical/problem'
import {
  HOP_REASONS,
  InsufficientScope,
  TokenAudience,
  TokenInvalid,
  TokenMissing,
  TokenNotBound,
} from '@mythical/service-kit'
import { decodeJwt } from 'jose'

export const TRACKING_SCOPE = 'tracking:read'

/** Audit reasons of this module beyond the OAuth kit's `token.*` codes. */
export const PARTNER_TOKEN_REASONS = {
  retailIssuer: 'token.retail_issuer',
  bindingUnverifiable: 'token.binding_unverifiable',
} as const

/** The caller as a verified partner token names it. */
export interface PartnerCaller {
  /** Pairwise subject: the customer as the partner knows her. */
  readonly subject: string
  readonly client?: string
  readonly tokenId?: string
  readonly scope: string
}

/** A refusal: the problem to answer and the reason to audit. */
export class PartnerTokenRefused extends Error {
  readonly problem: ProblemError
  readonly reason: string
  constructor(problem: ProblemError, reason: string) {
    super(reason)
    this.name = 'PartnerTokenRefused'
    this.problem = problem
    this.reason = reason
  }
}

const challenge = (error: 'invalid_token' | 'insufficient_scope') => ({
  headers: {
    'www-authenticate': `Bearer error="${error}"${error === 'insufficient_scope' ? ` scope="${TRACKING_SCOPE}"` : ''}`,
  },
})

/** The bearer token of an `Authorization` header, or undefined. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header ?? '')
  return match?.[1]
}

/** Reads `iss` without trusting it: only to name a retail token in the audit record. */
function unverifiedIssuer(token: string): unknown {
  try {
    return decodeJwt(token).iss
  } catch {
    return undefined
  }
}

export interface PartnerTokenCheckOptions {
  readonly verifier: AccessTokenVerifier
  readonly retailIssuer: string
}

/**
 * Verifies the `Authorization` header's partner token; throws {@link PartnerTokenRefused}.
 *
 * @example
 * ```ts
 * const caller = await checkPartnerToken(req.headers.authorization, { verifier, retailIssuer })
 * ```
 */
export async function checkPartnerToken(
  authorization: string | undefined,
  options: PartnerTokenCheckOptions,
): Promise<PartnerCaller> {
  const token = bearerTokenOf(authorization)
  if (token === undefined) {
    throw new PartnerTokenRefused(
      new TokenMissing('a partner access token is required (Authorization: Bearer)', {
        headers: { 'www-authenticate': 'Bearer' },
      }),
      HOP_REASONS.tokenMissing,
    )
  }
  let payload
  try {
    ;({ payload } = await options.verifier.verify(token))
  } catch (error) {
    if (!(error instanceof OAuthKitError)) throw error
    if (error.code === 'token.issuer' && unverifiedIssuer(token) === options.retailIssuer) {
      throw new PartnerTokenRefused(
        new TokenInvalid('a retail token is not accepted here: exchange it at the partner IdP', {
          ...challenge('invalid_token'),
          cause: error,
        }),
        PARTNER_TOKEN_REASONS.retailIssuer,
      )
    }
    const Problem = error.code === 'token.audience' ? TokenAudience : TokenInvalid
    throw new PartnerTokenRefused(
      new Problem(error.message, { ...challenge('invalid_token'), cause: error }),
      error.code,
    )
  }
  if (payload.cnf !== undefined) {
    throw new PartnerTokenRefused(
      new TokenNotBound('a sender-constrained token cannot be presented at this public API', {
        ...challenge('invalid_token'),
      }),
      PARTNER_TOKEN_REASONS.bindingUnverifiable,
    )
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    throw new PartnerTokenRefused(
      new TokenInvalid('the token names no subject', challenge('invalid_token')),
      HOP_REASONS.subjectMissing,
    )
  }
  const scope = typeof payload.scope === 'string' ? payload.scope : ''
  if (!scope.split(' ').includes(TRACKING_SCOPE)) {
    throw new PartnerTokenRefused(
      new InsufficientScope(`${TRACKING_SCOPE} is required`, challenge('insufficient_scope')),
      HOP_REASONS.scopeInsufficient,
    )
  }
  return {
    subject: payload.sub,
    scope,
    ...(typeof payload.client_id === 'string' ? { client: payload.client_id } : {}),
    ...(typeof payload.jti === 'string' ? { tokenId: payload.jti } : {}),
  }
}

/** Audits a refusal (never the token) and returns its problem to throw. */
export function auditRefusal(
  audit: AuditLogger,
  refusal: PartnerTokenRefused,
  base: { traceId: string; route: string },
): ProblemError {
  audit.decision({
    ...base,
    boundary: 'TB10',
    decision: 'deny',
    reason: refusal.reason,
    status: refusal.problem.status,
  })
  return refusal.problem
}
