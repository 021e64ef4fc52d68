/**
 * The shopper's orders, through order-fulfillment-api (TB05) with a token exchanged for it.
 * Another customer's order id answers 404 (the process and system APIs only see the token
 * subject's rows). `POST` requires an `Idempotency-Key`, passed on so that the same key gives the
 * same order and no second charge. The card number passes through to the process API and is
 * never logged: the body is not logged, validation errors name fields only, never values.
 */
import { defineProblem } from '@mythical/problem'
import { answerOf, subjectTokenOf, type DownstreamClient } from '@mythical/service-kit'
import type { FastifyPluginCallback } from 'fastify'
import { order, orderList } from '../contract.ts'

/** 400: `POST /shopping/me/orders` without a usable `Idempotency-Key`. */
export const IdempotencyKeyRequired = defineProblem(
  'ZT_ERR_IDEMPOTENCY_KEY_REQUIRED',
  400,
  'Idempotency-Key header required',
)

/** Printable ASCII, no spaces: long enough to be unique, short enough to store. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,128}$/

const orderBody = {
  type: 'object',
  required: ['items', 'card'],
  additionalProperties: false,
  properties: {
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 20,
      items: {
        type: 'object',
        required: ['sku', 'quantity'],
        additionalProperties: false,
        properties: {
          sku: { type: 'string', pattern: '^sku-[a-z0-9-]{1,60}$' },
          quantity: { type: 'integer', minimum: 1, maximum: 99 },
        },
      },
    },
    card: {
      type: 'object',
      required: ['number', 'expMonth', 'expYear', 'cvc'],
      additionalProperties: false,
      properties: {
        number: { type: 'string', pattern: '^[0-9 ]{12,23}$' },
        expMonth: { type: 'integer', minimum: 1, maximum: 12 },
        expYear: { type: 'integer', minimum: 2000, maximum: 2100 },
        cvc: { type: 'string', pattern: '^[0-9]{3,4}$' },
      },
    },
  },
} as const

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
    { config: { access: { scopes: ['orders:write'] } }, schema: { body: orderBody } },
    async (request, reply) => {
      const key = request.headers['idempotency-key']
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
        throw new IdempotencyKeyRequired('send an Idempotency-Key of 8 to 128 printable characters')
      }
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
