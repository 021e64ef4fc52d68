/**
 * The query routes, for the user of the validated access token only: `GET /traces/{traceId}`
 * (her spans of one trace; anyone else's trace answers 404 like an unknown one) and
 * `GET /traces` (her recent traces). The subject always comes from the token; the transaction is
 * scoped to it, so row-level security filters even if a query here forgot to.
 *
 * @module
 */
import { withCustomerScope } from '@mythical/db'
import { NotFound, Unauthenticated } from '@mythical/problem'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Pool } from 'pg'
import { findTrace, recentTraces } from '../span-store.ts'

/** Options of {@link queryRoutes}. */
export interface QueryRoutesOptions {
  readonly pool: Pool
}

/** The trust trace's own scope: reading her orders does not grant reading how hops decided. */
const READ = { access: { scopes: ['traces:read'], callers: ['my-shopping-api'] } }
const RECENT_LIMIT = 20

const traceIdParams = {
  type: 'object',
  required: ['traceId'],
  additionalProperties: false,
  properties: { traceId: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
} as const

function subjectOf(request: FastifyRequest): string {
  if (!request.access) throw new Unauthenticated()
  return request.access.subject
}

export const queryRoutes: FastifyPluginAsync<QueryRoutesOptions> = async (app, opts) => {
  const { pool } = opts

  app.get<{ Params: { traceId: string } }>(
    '/traces/:traceId',
    { config: READ, schema: { params: traceIdParams } },
    async (request) => {
      const subject = subjectOf(request)
      const spans = await withCustomerScope(pool, subject, (db) =>
        findTrace(db, subject, request.params.traceId),
      )
      if (spans.length === 0) throw new NotFound('no such trace')
      return { traceId: request.params.traceId, spans }
    },
  )

  app.get('/traces', { config: READ }, async (request) => {
    const subject = subjectOf(request)
    return {
      traces: await withCustomerScope(pool, subject, (db) =>
        recentTraces(db, subject, RECENT_LIMIT),
      ),
    }
  })
}
