/**
 * The problems and audit reason codes of an internal hop's access decision. Codes are stable:
 * callers, e2e specs and the trust trace switch on them.
 *
 * @module
 */
import { defineProblem } from '@mythical/problem'

/** 401: no `Authorization: Bearer` access token. */
export const TokenMissing = defineProblem('ZT_ERR_TOKEN_MISSING', 401, 'Access token required')

/** 401: the token does not verify (signature, issuer, type, expiry, claims). */
export const TokenInvalid = defineProblem('ZT_ERR_TOKEN_INVALID', 401, 'Invalid access token')

/** 401: a valid token, but for another audience. */
export const TokenAudience = defineProblem(
  'ZT_ERR_TOKEN_AUDIENCE',
  401,
  'Access token is for another audience',
)

/**
 * 401: the caller forwarded the token it received unchanged instead of exchanging it for this
 * hop (its audience is the caller itself).
 */
export const TokenForwarded = defineProblem(
  'ZT_ERR_TOKEN_FORWARDED',
  401,
  'Access token forwarded unchanged; exchange it for this audience',
)

/** 401: the token is not bound (`cnf.x5t#S256`) to the client certificate of this connection. */
export const TokenNotBound = defineProblem(
  'ZT_ERR_TOKEN_NOT_BOUND',
  401,
  'Access token not bound to this client certificate',
)

/** 403: the token lacks a scope the route requires. */
export const InsufficientScope = defineProblem(
  'ZT_ERR_INSUFFICIENT_SCOPE',
  403,
  'Insufficient scope',
)

/** 403: the user lacks the role (IdP group) the route requires. */
export const RoleRequired = defineProblem('ZT_ERR_ROLE_REQUIRED', 403, 'Role required')

/** 401: the user must authenticate more strongly (RFC 9470 step-up). */
export const StepUpRequired = defineProblem(
  'ZT_ERR_STEP_UP_REQUIRED',
  401,
  'Stronger authentication required',
)

/** 403: the authorization server refused to delegate the user's token to the next hop. */
export const DelegationRefused = defineProblem(
  'ZT_ERR_DELEGATION_REFUSED',
  403,
  'Delegation to the next hop refused',
)

/** Audit reasons written by the hop kit (besides the OAuth kit's `token.*`, `cnf.*` codes). */
export const HOP_REASONS = {
  allowed: 'access.granted',
  noCertificate: 'mtls.client_certificate_required',
  peerNotAllowed: 'mtls.peer_not_allowed',
  tokenMissing: 'token.missing',
  tokenForwarded: 'token.forwarded_unchanged',
  subjectMissing: 'token.subject_missing',
  scopeInsufficient: 'scope.insufficient',
  roleMissing: 'role.missing',
  stepUpRequired: 'acr.insufficient',
} as const
