/**
 * The shopper's own profile, loyalty and recommendations: each route exchanges the phantom JWT
 * for exactly the next hop and the one scope it needs; the system API decides whose data it is
 * from the token's `sub`, never from anything in the request.
 */
import { answerOf, subjectTokenOf, type DownstreamClient } from '@mythical/service-kit'
import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import { loyalty, profile, recommendations } from '../contract.ts'

export const meRoutes: FastifyPluginCallback<{ downstream: DownstreamClient }> = (
  app,
  { downstream },
  done,
) => {
  const read = async (request: FastifyRequest, target: string, path: string, scope: string) =>
    answerOf(
      await downstream.callService(target, path, { subjectToken: subjectTokenOf(request), scope }),
      target,
    )

  app.get('/shopping/me', { config: { access: { scopes: ['customers:read'] } } }, async (request) =>
    profile(await read(request, 'customers-api', '/customers/me', 'customers:read')),
  )
  app.get(
    '/shopping/me/loyalty',
    { config: { access: { scopes: ['customers:read'] } } },
    async (request) =>
      loyalty(await read(request, 'customers-api', '/customers/me/loyalty', 'customers:read')),
  )
  app.get(
    '/shopping/me/recommendations',
    { config: { access: { scopes: ['recommendations:read'] } } },
    async (request) =>
      recommendations(
        await read(request, 'recommendations-api', '/recommendations/me', 'recommendations:read'),
      ),
  )
  done()
}
