/**
 * The common problems. Codes are stable (clients, tests and docs switch on them); titles may be
 * reworded. Each is both a class (`new Forbidden('…')`) and its instance type.
 *
 * @module
 */
import { defineProblem } from './define-problem.ts'
import type { ProblemError } from './problem-error.ts'

/** 400: the request is malformed. */
export const BadRequest = defineProblem('ZT_ERR_BAD_REQUEST', 400, 'Bad request')
export type BadRequest = ProblemError

/** 400: the request does not match the route's schema; `errors` lists what failed. */
export const ValidationFailed = defineProblem('ZT_ERR_VALIDATION', 400, 'Request validation failed')
export type ValidationFailed = ProblemError

/** 401: no credential, or one that could not be verified. */
export const Unauthenticated = defineProblem('ZT_ERR_UNAUTHENTICATED', 401, 'Unauthenticated')
export type Unauthenticated = ProblemError

/** 401: the TLS handshake carried no client certificate. */
export const ClientCertificateRequired = defineProblem(
  'ZT_ERR_MTLS_REQUIRED',
  401,
  'Client certificate required',
)
export type ClientCertificateRequired = ProblemError

/** 403: authenticated, but not allowed to do this. */
export const Forbidden = defineProblem('ZT_ERR_FORBIDDEN', 403, 'Forbidden')
export type Forbidden = ProblemError

/** 403: the mTLS peer's workload id is not on this endpoint's allow list. */
export const PeerNotAllowed = defineProblem('ZT_ERR_PEER_NOT_ALLOWED', 403, 'Peer not allowed')
export type PeerNotAllowed = ProblemError

/** 404: no such resource, or one the caller may not know exists. */
export const NotFound = defineProblem('ZT_ERR_NOT_FOUND', 404, 'Not found')
export type NotFound = ProblemError

/** 405: the resource exists but not with this method. */
export const MethodNotAllowed = defineProblem(
  'ZT_ERR_METHOD_NOT_ALLOWED',
  405,
  'Method not allowed',
)
export type MethodNotAllowed = ProblemError

/** 409: the request conflicts with the resource's current state. */
export const Conflict = defineProblem('ZT_ERR_CONFLICT', 409, 'Conflict')
export type Conflict = ProblemError

/** 413: the body is larger than this endpoint accepts. */
export const PayloadTooLarge = defineProblem('ZT_ERR_PAYLOAD_TOO_LARGE', 413, 'Payload too large')
export type PayloadTooLarge = ProblemError

/** 415: the body's media type is not accepted. */
export const UnsupportedMediaType = defineProblem(
  'ZT_ERR_UNSUPPORTED_MEDIA_TYPE',
  415,
  'Unsupported media type',
)
export type UnsupportedMediaType = ProblemError

/** 429: rate or spike limit reached. */
export const TooManyRequests = defineProblem('ZT_ERR_TOO_MANY_REQUESTS', 429, 'Too many requests')
export type TooManyRequests = ProblemError

/** 500: anything unexpected. Never carries the underlying message. */
export const Internal = defineProblem('ZT_ERR_INTERNAL', 500, 'Internal server error')
export type Internal = ProblemError

/** 503: a dependency (database, broker, another service) is unavailable. */
export const ServiceUnavailable = defineProblem(
  'ZT_ERR_DEPENDENCY_UNAVAILABLE',
  503,
  'Service unavailable',
)
export type ServiceUnavailable = ProblemError
