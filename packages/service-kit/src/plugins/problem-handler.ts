/**
 * Every error and every unknown route answers `application/problem+json` (RFC 9457) with the
 * request's trace id; 5xx details go to the log only, never to the caller.
 */
import { fastifyProblemHandler } from '@mythical/problem'
import type { FastifyPluginCallback } from 'fastify'
import fp from 'fastify-plugin'

const problemHandler: FastifyPluginCallback = (app, _opts, done) => {
  const problems = fastifyProblemHandler({
    // Undefined only if the error happened before the traceparent hook ran (e.g. a bad URL).
    traceId: (request) =>
      (request.traceContext as typeof request.traceContext | undefined)?.traceId,
  })
  app.setErrorHandler(problems.errorHandler)
  app.setNotFoundHandler(problems.notFoundHandler)
  done()
}

/** Fastify plugin: problem+json error and not-found handlers. */
export const problemHandlerPlugin = fp(problemHandler, {
  fastify: '5.x',
  name: '@mythical/service-kit/problem-handler',
})
