/**
 * `@mythical/problem`: RFC 9457 problem details with stable `ZT_ERR_*` codes, and the fastify and
 * express adapters that make them the only error shape our APIs answer with.
 *
 * @module
 */
export {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  ProblemError,
  problemType,
} from './problem-error.ts'
export type { ProblemInit, ProblemOptions } from './problem-error.ts'
export { defineProblem } from './define-problem.ts'
export type { ProblemClass } from './define-problem.ts'
export {
  BadRequest,
  ClientCertificateRequired,
  Conflict,
  Forbidden,
  Internal,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  PeerNotAllowed,
  ServiceUnavailable,
  TooManyRequests,
  Unauthenticated,
  UnsupportedMediaType,
  ValidationFailed,
} from './problems.ts'
export { problemHeaders, toProblemDocument } from './to-problem-document.ts'
export type { ProblemContext, ProblemDocument } from './to-problem-document.ts'
export { fastifyProblemHandler } from './fastify-problem-handler.ts'
export type { FastifyProblemHandlers, FastifyProblemOptions } from './fastify-problem-handler.ts'
export { expressNotFoundHandler, expressProblemHandler } from './express-problem-handler.ts'
export type { ExpressProblemOptions } from './express-problem-handler.ts'
