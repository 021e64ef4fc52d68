/**
 * Fastify adapter: answers every error and every unknown route with a problem document.
 *
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { describeError } from '@mythical/audit'
import { PROBLEM_CONTENT_TYPE } from './problem-error.ts'
import { NotFound } from './problems.ts'
import { requestPath } from './request-path.ts'
import { problemHeaders, toProblemDocument } from './to-problem-document.ts'

/** Options of {@link fastifyProblemHandler}. */
export interface FastifyProblemOptions {
  /** Trace id of the request, added to every document. Default: none. */
  traceId?: (request: FastifyRequest) => string | undefined
}

/** The two handlers, for `app.setErrorHandler` and `app.setNotFoundHandler`. */
export interface FastifyProblemHandlers {
  errorHandler: (error: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply
  notFoundHandler: (request: FastifyRequest, reply: FastifyReply) => FastifyReply
}

/**
 * Builds the error and not-found handlers. 5xx errors are logged with `request.log` as their
 * class names and codes only ({@link describeError}); the client sees only the safe document.
 *
 * @example
 * ```ts
 * const problems = fastifyProblemHandler({ traceId: (request) => request.trace.traceId })
 * app.setErrorHandler(problems.errorHandler)
 * app.setNotFoundHandler(problems.notFoundHandler)
 * ```
 */
export function fastifyProblemHandler(options: FastifyProblemOptions = {}): FastifyProblemHandlers {
  const send = (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const traceId = options.traceId?.(request)
    const doc = toProblemDocument(error, {
      instance: requestPath(request.url),
      ...(traceId === undefined ? {} : { traceId }),
    })
    if (doc.status >= 500) {
      request.log.error({ code: doc.code, failure: describeError(error) }, 'request failed')
    }
    return reply
      .code(doc.status)
      .headers(problemHeaders(error))
      .type(PROBLEM_CONTENT_TYPE)
      .send(doc)
  }
  return {
    errorHandler: send,
    notFoundHandler: (request, reply) => send(new NotFound(), request, reply),
  }
}
