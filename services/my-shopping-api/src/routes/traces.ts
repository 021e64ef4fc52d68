/**
 * The shopper's trust trace (docs/decisions/0004-trust-trace.md): her recent requests and the
 * spans of one trace, read from trace-store with her token exchanged for exactly that audience
 * and `traces:read`, the trust trace's own scope (seeing her orders does not imply seeing how
 * every hop decided about her). trace-store decides whose spans they are from the token's `sub` (row-level
 * security); a trace that is not hers answers 404 there, and here.
 */
import { answerOf, subjectTokenOf, type DownstreamClient } from '@mythical/service-kit'
import type { FastifyPluginCallback } from 'fastify'

const TRACES_SCOPE = 'traces:read'
const READ = { access: { scopes: [TRACES_SCOPE] } }

const traceIdParams = {
  type: 'object',
  required: ['traceId'],
  additionalProperties: false,
  properties: { traceId: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
} as const

export const traceRoutes: FastifyPluginCallback<{ downstream: DownstreamClient }> = (
  app,
  { downstream },
  done,
) => {
  const read = async (subjectToken: string, path: string) =>
    answerOf(
      await downstream.callService('trace-store', path, { subjectToken, scope: TRACES_SCOPE }),
      'trace-store',
    )

  app.get('/shopping/me/traces', { config: READ }, async (request) =>
    read(subjectTokenOf(request), '/traces'),
  )
  app.get<{ Params: { traceId: string } }>(
    '/shopping/me/traces/:traceId',
    { config: READ, schema: { params: traceIdParams } },
    async (request) => read(subjectTokenOf(request), `/traces/${request.params.traceId}`),
  )
  done()
}
