/**
 * Express adapter: a 4-arity error middleware and a catch-all 404, both answering with problem
 * documents. Register them after every route.
 *
 * @module
 */
import type { ErrorRequestHandler, Request, RequestHandler } from 'express'
import { describeError } from '@mythical/audit'
import { PROBLEM_CONTENT_TYPE } from './problem-error.ts'
import { NotFound } from './problems.ts'
import { requestPath } from './request-path.ts'
import { problemHeaders, toProblemDocument } from './to-problem-document.ts'

/** Options of {@link expressProblemHandler}. */
export interface ExpressProblemOptions {
  /** Trace id of the request, added to every document. Default: none. */
  traceId?: (req: Request) => string | undefined
  /** Where 5xx errors are logged (pino-compatible); express has no request logger of its own. */
  logger?: { error(obj: object, msg: string): void }
}

/**
 * The error middleware. If the response has already started, it hands the error to express,
 * which aborts the connection: a half-written body cannot become a problem document.
 *
 * @example
 * ```ts
 * app.use(expressNotFoundHandler())
 * app.use(expressProblemHandler({ logger: audit.logger }))
 * ```
 */
export function expressProblemHandler(options: ExpressProblemOptions = {}): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err)
      return
    }
    const traceId = options.traceId?.(req)
    const doc = toProblemDocument(err, {
      instance: requestPath(req.originalUrl),
      ...(traceId === undefined ? {} : { traceId }),
    })
    if (doc.status >= 500) {
      options.logger?.error({ code: doc.code, failure: describeError(err) }, 'request failed')
    }
    res
      .status(doc.status)
      .set(problemHeaders(err))
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(doc))
  }
}

/** A catch-all that turns an unmatched route into `ZT_ERR_NOT_FOUND`. */
export function expressNotFoundHandler(): RequestHandler {
  return (_req, _res, next) => {
    next(new NotFound())
  }
}
