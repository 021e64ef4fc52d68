/**
 * Every answer the gateway refuses with, in one place: the problem classes (RFC 9457, stable
 * `ZT_ERR_*` codes the caller sees) and the audit reason codes (dotted, in the gateway's audit
 * record of the same request, found by the problem's `traceId`). Tests, the e2e specs and the
 * pattern docs read both tables from here.
 *
 * @module
 */
import {
  defineProblem,
  NotFound,
  PayloadTooLarge,
  ServiceUnavailable,
  UnsupportedMediaType,
} from '@mythical/problem'

/** Problem classes of the gateway's own refusals (status and code are part of the contract). */
export const GatewayProblems = {
  /** 401: no access token at all. */
  TokenMissing: defineProblem('ZT_ERR_TOKEN_MISSING', 401, 'Access token required'),
  /** 400: an access token in the query string (it would end up in logs and histories). */
  TokenInQuery: defineProblem('ZT_ERR_TOKEN_IN_QUERY', 400, 'Access token in the query string'),
  /** 401: `Authorization: Bearer` (or another scheme) instead of `DPoP`. */
  DpopRequired: defineProblem('ZT_ERR_DPOP_REQUIRED', 401, 'DPoP-bound access token required'),
  /** 401: the DPoP proof is missing, malformed, replayed, for another request or another key. */
  DpopProofInvalid: defineProblem('ZT_ERR_DPOP_PROOF_INVALID', 401, 'Invalid DPoP proof'),
  /** 401: the token is unknown, expired, revoked, for another audience or not DPoP-bound. */
  TokenInvalid: defineProblem('ZT_ERR_TOKEN_INVALID', 401, 'Invalid access token'),
  /** 403: the token's client may not call this API. */
  ClientNotAllowed: defineProblem('ZT_ERR_CLIENT_NOT_ALLOWED', 403, 'Client not allowed'),
  /** 403: the token lacks a scope this API requires. */
  InsufficientScope: defineProblem('ZT_ERR_INSUFFICIENT_SCOPE', 403, 'Insufficient scope'),
  /** 429: over the client's SLA tier rate. */
  RateLimited: defineProblem('ZT_ERR_RATE_LIMITED', 429, 'Rate limit exceeded'),
  /** 429: over the API's spike limit (all callers together). */
  SpikeArrested: defineProblem('ZT_ERR_SPIKE_ARRESTED', 429, 'Spike limit exceeded'),
  /** 403: the client address is on the deny list, or not on the allow list. */
  AddressDenied: defineProblem('ZT_ERR_IP_DENIED', 403, 'Client address denied'),
  /** 403: a browser `Origin` that is not on the API's exact list. */
  CorsOriginDenied: defineProblem('ZT_ERR_CORS_ORIGIN_DENIED', 403, 'Origin not allowed'),
  /** 400: the JSON body exceeds a structural limit (depth, keys, array or string length). */
  JsonThreat: defineProblem('ZT_ERR_JSON_THREAT', 400, 'JSON threat protection'),
  /** 400: the body is not well-formed JSON. */
  JsonMalformed: defineProblem('ZT_ERR_JSON_MALFORMED', 400, 'Malformed JSON body'),
  /** 413: the body is larger than the API accepts. */
  BodyTooLarge: PayloadTooLarge,
  /** 415: a body that is not `application/json`. */
  UnsupportedMediaType,
  /** 403: temporarily blocked after repeated authentication failures (feedback loop). */
  ClientBlocked: defineProblem('ZT_ERR_CLIENT_BLOCKED', 403, 'Temporarily blocked'),
  /** 503: the IdP (introspection, token exchange) cannot be reached: refuse, never bypass. */
  IdpUnavailable: ServiceUnavailable,
  /** 502: the upstream API did not answer. */
  UpstreamUnavailable: defineProblem('ZT_ERR_UPSTREAM_UNAVAILABLE', 502, 'Upstream unavailable'),
  /** 404: no API is published under this path. */
  NoSuchApi: NotFound,
} as const

/** Audit reason codes: the `reason` of the gateway's one audit record per request. */
export const GATEWAY_REASONS = {
  /** Every policy passed; the request was forwarded. */
  allowed: 'gateway.allowed',
  /** A CORS preflight from an allowed origin, answered by the gateway itself. */
  preflightAllowed: 'cors.preflight_allowed',
  noSuchApi: 'route.unknown',
  /** A check threw (a bug, not a refusal): answered 500, still audited. */
  checkFailed: 'gateway.check_failed',

  addressDenied: 'ip.denied',
  addressNotAllowed: 'ip.not_allowed',
  corsOriginDenied: 'cors.origin_denied',
  blockedAddress: 'feedback.address_blocked',
  blockedKey: 'feedback.key_blocked',
  /** Written (deny) when a block starts: the failure that tipped the counter over. */
  blockStarted: 'feedback.block_started',
  spikeArrested: 'spike.arrested',
  rateLimited: 'rate.limit_exceeded',

  tokenMissing: 'token.missing',
  tokenInQuery: 'token.in_query',
  bearerNotDpop: 'token.bearer_not_dpop',
  authorizationMalformed: 'token.authorization_malformed',
  proofMissing: 'dpop.proof_missing',
  /** Fallback when the proof verifier gives no reason of its own (it normally does: `dpop.*`). */
  proofInvalid: 'dpop.proof_invalid',
  /** The token is not active at the IdP: unknown, expired, revoked, or a JWT we never issued. */
  tokenInactive: 'token.inactive',
  tokenWrongAudience: 'token.wrong_audience',
  tokenNotDpopBound: 'token.not_dpop_bound',
  /** An active token that represents no user (e.g. client credentials): nothing to exchange. */
  tokenWithoutUser: 'token.without_user',
  /** The proof was signed by another key than the one the token is bound to. */
  proofKeyMismatch: 'dpop.key_mismatch',
  introspectionUnavailable: 'introspection.unavailable',
  exchangeFailed: 'token_exchange.failed',
  exchangeUnavailable: 'token_exchange.unavailable',

  clientNotAllowed: 'client.not_allowed',
  insufficientScope: 'token.insufficient_scope',

  unsupportedMediaType: 'body.unsupported_media_type',
  bodyTooLarge: 'body.too_large',
  jsonMalformed: 'json.malformed',
  jsonDepth: 'json.depth_exceeded',
  jsonKeys: 'json.keys_exceeded',
  jsonArray: 'json.array_exceeded',
  jsonString: 'json.string_exceeded',

  upstreamUnavailable: 'upstream.unavailable',
} as const

/** Any audit reason the gateway writes (the DPoP verifier may add its own `dpop.*` reasons). */
export type GatewayReason = (typeof GATEWAY_REASONS)[keyof typeof GATEWAY_REASONS]

/**
 * Reasons that count as an authentication failure for the feedback loop (repeated ones block the
 * address and the DPoP key for a while). Policy refusals (rate, CORS, JSON) do not count: they
 * are not guessing at credentials.
 */
export const AUTHENTICATION_FAILURES: ReadonlySet<string> = new Set([
  GATEWAY_REASONS.tokenMissing,
  GATEWAY_REASONS.tokenInQuery,
  GATEWAY_REASONS.bearerNotDpop,
  GATEWAY_REASONS.authorizationMalformed,
  GATEWAY_REASONS.proofMissing,
  GATEWAY_REASONS.proofInvalid,
  GATEWAY_REASONS.tokenInactive,
  GATEWAY_REASONS.tokenWrongAudience,
  GATEWAY_REASONS.tokenNotDpopBound,
  GATEWAY_REASONS.tokenWithoutUser,
  GATEWAY_REASONS.proofKeyMismatch,
])

/** Whether `reason` is an authentication failure (the verifier's own `dpop.*` reasons are). */
export function isAuthenticationFailure(reason: string): boolean {
  return AUTHENTICATION_FAILURES.has(reason) || reason.startsWith('dpop.')
}
