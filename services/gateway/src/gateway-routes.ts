/**
 * The gateway's one route: every method on every path outside the probes goes through the
 * policy pipeline and, when allowed, to the API's upstream. Fastify's body parsers are removed
 * in this scope: the body stays unread until the JSON threat check streams it, after the caller
 * is authenticated.
 */
import type { FastifyPluginCallback, FastifyReply } from 'fastify'
import type { Answer, Denial, GatewayContext, GatewayState } from './gateway-context.ts'
import { forward, UpstreamUnavailable, type Upstream } from './forward.ts'
import { runPipeline } from './pipeline.ts'
import { GatewayProblems, GATEWAY_REASONS } from './reasons.ts'
import { writeAudit } from './policies/write-audit.ts'

/** Options of {@link gatewayRoutes}. */
export interface GatewayRoutesOptions {
  readonly state: GatewayState
  /** Per upstream service name. */
  readonly upstreams: ReadonlyMap<string, Upstream>
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

function answer(reply: FastifyReply, outcome: Denial | Answer): FastifyReply {
  // Thrown problems reach the service kit's problem handler (problem+json with the trace id).
  if (outcome.decision === 'deny') throw outcome.problem
  return reply.code(outcome.status).send()
}

export const gatewayRoutes: FastifyPluginCallback<GatewayRoutesOptions> = (app, opts, done) => {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_request, _payload, next) => next(null))
  app.route({
    method: METHODS,
    url: '/*',
    handler: async (request, reply) => {
      const ctx: GatewayContext = {
        request,
        reply,
        state: opts.state,
        address: '',
        strippedHeaders: [],
        responseHeaders: {},
      }
      let result
      try {
        result = await runPipeline(ctx)
      } finally {
        reply.headers(ctx.responseHeaders)
      }
      if (!result.forward) return answer(reply, result.outcome)
      const upstream = ctx.api && opts.upstreams.get(ctx.api.upstream)
      if (!upstream) throw new TypeError(`no upstream for API "${ctx.api?.name ?? ''}"`)
      try {
        return await forward(ctx, upstream, reply)
      } catch (err) {
        if (!(err instanceof UpstreamUnavailable)) throw err
        request.log.warn({ err }, 'upstream unavailable')
        const problem = new GatewayProblems.UpstreamUnavailable()
        writeAudit(ctx, {
          decision: 'deny',
          reason: GATEWAY_REASONS.upstreamUnavailable,
          policy: 'forward',
          status: problem.status,
        })
        throw problem
      }
    },
  })
  done()
}
