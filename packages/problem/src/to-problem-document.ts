/**
 * Turns any thrown value into a problem document that is safe to send:
 *
 * - a {@link ProblemError} is rendered as is (its author chose title and detail);
 * - a fastify/express/body-parser error with a 4xx status keeps its status but not its message,
 *   except schema validation, whose per-field messages come from our own schemas;
 * - everything else, including 5xx errors of libraries, becomes a bare 500 `ZT_ERR_INTERNAL`:
 *   no message, stack or cause ever reaches the body (they may hold SQL, secrets or card data).
 *
 * @module
 */
import { STATUS_CODES } from 'node:http'
import { problemType, ProblemError } from './problem-error.ts'
import {
  BadRequest,
  Conflict,
  Forbidden,
  Internal,
  MethodNotAllowed,
  NotFound,
  PayloadTooLarge,
  ServiceUnavailable,
  TooManyRequests,
  Unauthenticated,
  UnsupportedMediaType,
  ValidationFailed,
} from './problems.ts'
import type { ProblemClass } from './define-problem.ts'

/** RFC 9457 problem details plus our stable `code` and the W3C `traceId`. */
export interface ProblemDocument {
  type: string
  title: string
  status: number
  detail?: string
  instance?: string
  code: string
  traceId?: string
  [ext: string]: unknown
}

/** Per-request context added to the document. */
export interface ProblemContext {
  /** URI reference of this occurrence, usually the request path (never its query string). */
  instance?: string
  /** W3C trace id, so a caller can quote it and the trust trace can find the hop. */
  traceId?: string
}

/** Well-known statuses of foreign errors (fastify, body-parser, rate limiters) → our problems. */
const BY_STATUS: ReadonlyMap<number, ProblemClass> = new Map([
  [400, BadRequest],
  [401, Unauthenticated],
  [403, Forbidden],
  [404, NotFound],
  [405, MethodNotAllowed],
  [409, Conflict],
  [413, PayloadTooLarge],
  [415, UnsupportedMediaType],
  [429, TooManyRequests],
  [503, ServiceUnavailable],
])

/** Most validation messages one response lists; more only inflate the body. */
const MAX_VALIDATION_ERRORS = 20

/** The `statusCode` (fastify, http-errors) or `status` (body-parser) of a foreign error. */
function foreignStatus(err: object): number | undefined {
  const { statusCode, status } = err as { statusCode?: unknown; status?: unknown }
  const value = typeof statusCode === 'number' ? statusCode : status
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599
    ? value
    : undefined
}

/** Fastify schema validation errors carry ajv's `validation` array. */
function validationProblem(err: object): ProblemError | undefined {
  const { validation, validationContext } = err as {
    validation?: unknown
    validationContext?: unknown
  }
  if (!Array.isArray(validation)) return undefined
  const errors = validation.slice(0, MAX_VALIDATION_ERRORS).map((entry: unknown) => {
    const { instancePath, message } = (entry ?? {}) as { instancePath?: unknown; message?: unknown }
    return {
      ...(typeof validationContext === 'string' ? { in: validationContext } : {}),
      pointer: typeof instancePath === 'string' ? instancePath : '',
      detail: typeof message === 'string' ? message : 'is invalid',
    }
  })
  return new ValidationFailed(undefined, { extensions: { errors } })
}

/** Maps any thrown value to the problem we are willing to show. */
function toProblemError(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err
  if (typeof err !== 'object' || err === null) return new Internal()
  const status = foreignStatus(err)
  if (status === undefined || status >= 500) {
    return status === 503 ? new ServiceUnavailable() : new Internal()
  }
  const validation = validationProblem(err)
  if (validation) return validation
  const Known = BY_STATUS.get(status)
  if (Known) return new Known()
  return new ProblemError({
    status,
    code: `ZT_ERR_HTTP_${status}`,
    title: STATUS_CODES[status] ?? 'Client error',
  })
}

/**
 * Any thrown value → a document that is safe to send (see the module notes).
 *
 * @example
 * ```ts
 * toProblemDocument(new PeerNotAllowed('spiffe://retail.mythical.example/web'), { traceId })
 * // { type: 'https://mythical.example/problems/ZT_ERR_PEER_NOT_ALLOWED', status: 403, … }
 * toProblemDocument(new Error('secret 4111111111111111'))
 * // { type: '…/ZT_ERR_INTERNAL', title: 'Internal server error', status: 500, code: 'ZT_ERR_INTERNAL' }
 * ```
 */
export function toProblemDocument(err: unknown, ctx: ProblemContext = {}): ProblemDocument {
  const problem = toProblemError(err)
  // Extensions first: they may add members but never replace the standard ones.
  return {
    ...problem.extensions,
    type: problemType(problem.code),
    title: problem.title,
    status: problem.status,
    ...(problem.detail === undefined ? {} : { detail: problem.detail }),
    ...(ctx.instance === undefined ? {} : { instance: ctx.instance }),
    code: problem.code,
    ...(ctx.traceId === undefined ? {} : { traceId: ctx.traceId }),
  }
}

/** Headers a problem asks for (`WWW-Authenticate`, `Retry-After`…); none for foreign errors. */
export function problemHeaders(err: unknown): Readonly<Record<string, string>> {
  return err instanceof ProblemError ? err.headers : {}
}
