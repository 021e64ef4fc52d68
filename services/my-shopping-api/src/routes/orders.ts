/**
 * The shopper's orders, through order-fulfillment-api (TB05) with a token exchanged for it.
 * Another customer's order id answers 404 (the process and system APIs only see the token
 * subject's rows). `POST` requires an `Idempotency-Key`, passed on so that the same key gives the
 * same order and no second charge. The card number passes through to the process API and is
 * never logged: the body is not logged, validation errors name fields only, never values.
 */
import { idempotencyKeyOf, ORDER_REQUEST_SCHEMA } from '@mythical/catalogue'
import { answerOf, subjectTokenOf, type DownstreamClient } from '@mythical/service-kit'
import type { FastifyPluginCallback } from 'fastify'
import { order, orderList } from '../contract.ts'

const orderId = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } },
} as const

export const orderRoutes: FastifyPluginCallback<{ downstream: DownstreamClient }> = (
  app,
  { downstream },
  done,
) => {
  const TARGET = 'order-fulfillment-api'
  const read = { config: { access: { scopes: ['orders:read'] } } }

  app.get('/shopping/me/orders', read, async (request) =>
    orderList(
      answerOf(
        await downstream.callService(TARGET, '/orders', {
          subjectToken: subjectTokenOf(request),
          scope: 'orders:read',
        }),
        TARGET,
      ),
    ),
  )

  app.get<{ Params: { id: string } }>(
    '/shopping/me/orders/:id',
    { ...read, schema: { params: orderId } },
    async (request) =>
      order(
        answerOf(
          await downstream.callService(TARGET, `/orders/${encodeURIComponent(request.params.id)}`, {
            subjectToken: subjectTokenOf(request),
            scope: 'orders:read',
          }),
          TARGET,
        ),
      ),
  )

  app.post(
    '/shopping/me/orders',
    { config: { access: { scopes: ['orders:write'] } }, schema: { body: ORDER_REQUEST_SCHEMA } },
    async (request, reply) => {
      const key = idempotencyKeyOf(request.headers['idempotency-key'])
      const response = await downstream.callService(TARGET, '/orders', {
        subjectToken: subjectTokenOf(request),
        // Placing answers with the order: a retry under the same Idempotency-Key reads it back.
        scope: 'orders:write orders:read',
        method: 'POST',
        body: request.body,
        headers: { 'idempotency-key': key },
      })
      const placed = order(answerOf(response, TARGET))
      // 201 for a new order, 200 when the key was seen before (the same order, not charged again).
      return reply
        .code(response.status === 201 ? 201 : 200)
        .header('location', `/shopping/me/orders/${encodeURIComponent(String(placed.id))}`)
        .send(placed)
    },
  )
  done()
}
