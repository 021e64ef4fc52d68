/**
 * Customer lookup and registration for sales associates (TB11). Each route demands, in order:
 * the scope, the `sales-associate` role (a shopper's token → 403, never a step-up it could not
 * pass), and a multi-factor sign-in (`acr` MFA and `amr` containing `mfa`; otherwise an RFC 9470
 * step-up challenge, 401). customers-api is then called with a token exchanged for it.
 */
import { ACR_MFA, SALES_ASSOCIATE_GROUP } from '@mythical/stack'
import {
  answerOf,
  jsonObject,
  pickFields,
  requireAuthentication,
  requireGroup,
  subjectTokenOf,
  type DownstreamClient,
  type RouteAccess,
} from '@mythical/service-kit'
import type { FastifyPluginCallback } from 'fastify'

const TARGET = 'customers-api'

/** Staff with MFA, holding `scope`. */
const staffWith = (scope: string): { config: { access: RouteAccess } } => ({
  config: {
    access: {
      scopes: [scope],
      checks: [
        requireGroup(SALES_ASSOCIATE_GROUP),
        requireAuthentication({ acrValues: [ACR_MFA], amr: ['mfa'] }),
      ],
      checksBoundary: 'TB11',
    },
  },
})

const searchQuery = {
  type: 'object',
  required: ['q'],
  additionalProperties: false,
  properties: { q: { type: 'string', minLength: 1, maxLength: 100 } },
} as const

const newCustomer = {
  type: 'object',
  required: ['name', 'email'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\x00-\\x1f<>]+$' },
    email: { type: 'string', maxLength: 254, pattern: '^[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+$' },
  },
} as const

export const customerRoutes: FastifyPluginCallback<{ downstream: DownstreamClient }> = (
  app,
  { downstream },
  done,
) => {
  app.get<{ Querystring: { q: string } }>(
    '/assistant/customers',
    { ...staffWith('customers:read'), schema: { querystring: searchQuery } },
    async (request) => {
      const body = answerOf(
        await downstream.callService(
          TARGET,
          `/customers?q=${encodeURIComponent(request.query.q)}`,
          { subjectToken: subjectTokenOf(request), scope: 'customers:read' },
        ),
        TARGET,
      )
      const customers = jsonObject(body).customers
      return {
        customers: (Array.isArray(customers) ? customers : []).map((c) =>
          pickFields(c, ['sub', 'name', 'email', 'loyaltyPoints']),
        ),
      }
    },
  )

  app.post<{ Body: { name: string; email: string } }>(
    '/assistant/customers',
    { ...staffWith('customers:write'), schema: { body: newCustomer } },
    async (request, reply) => {
      const body = answerOf(
        await downstream.callService(TARGET, '/customers', {
          subjectToken: subjectTokenOf(request),
          scope: 'customers:write',
          method: 'POST',
          body: { name: request.body.name, email: request.body.email },
        }),
        TARGET,
      )
      return reply.code(201).send(pickFields(body, ['sub', 'username']))
    },
  )
  done()
}
