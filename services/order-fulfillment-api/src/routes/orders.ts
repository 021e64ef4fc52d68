/**
 * The process API's routes (docs/internal-apis.md), for my-shopping-api with a token exchanged for
 * this audience. `POST /orders` orchestrates: price from the catalogue (a client price is never
 * read), tokenize the card at the vault, persist at orders-api with a token exchanged for it,
 * then record the order and its `order.placed` outbox row in one transaction. The
 * `Idempotency-Key` names the order: the same key and body answer the same order (200) without a
 * second tokenization or charge; the same key with another body → 409. Reads go to orders-api,
 * which only ever shows the token subject's rows.
 */
import {
  CatalogueError,
  idempotencyKeyOf,
  ORDER_REQUEST_SCHEMA,
  priceOrder,
} from '@mythical/catalogue'
import { Conflict, defineProblem, Unauthenticated } from '@mythical/problem'
import { answerOf, pickFields, subjectTokenOf, type DownstreamClient } from '@mythical/service-kit'
import type { FastifyPluginCallback, FastifyRequest } from 'fastify'
import type { Pool } from 'pg'
import type { CardVaultClient } from '@mythical/cardvault-client'
import type { OrderIdentity, PlacementRequest } from '../order-identity.ts'
import { findPlacedOrder, recordPlacedOrder } from '../placed-orders.ts'

/** 422: an order the catalogue cannot price (unknown product, bad quantity, duplicate line). */
export const OrderNotPriceable = defineProblem(
  'ZT_ERR_ORDER_INVALID',
  422,
  'Order cannot be priced from the catalogue',
)

const ORDERS_API = 'orders-api'

/** The `Order` of the contract, field by field: nothing orders-api adds leaks further up. */
const ORDER_FIELDS = [
  'id',
  'status',
  'items',
  'totalCents',
  'currency',
  'card',
  'traceId',
  'createdAt',
] as const

const orderIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const

/** Options of {@link orderRoutes}. */
export interface OrderRoutesOptions {
  readonly pool: Pool
  readonly downstream: DownstreamClient
  readonly vault: Pick<CardVaultClient, 'tokenize'>
  readonly identity: OrderIdentity
}

function customerOf(request: FastifyRequest): string {
  if (!request.access) throw new Unauthenticated()
  return request.access.subject
}

function priced(items: PlacementRequest['items']) {
  try {
    return priceOrder(items)
  } catch (err) {
    if (err instanceof CatalogueError) throw new OrderNotPriceable(err.message, { cause: err })
    throw err
  }
}

export const orderRoutes: FastifyPluginCallback<OrderRoutesOptions> = (app, opts, done) => {
  const { pool, downstream, vault, identity } = opts
  const read = { config: { access: { scopes: ['orders:read'] } } }

  const fetchOrder = async (request: FastifyRequest, id: string) =>
    pickFields(
      answerOf(
        await downstream.callService(ORDERS_API, `/orders/${encodeURIComponent(id)}`, {
          subjectToken: subjectTokenOf(request),
          scope: 'orders:read',
        }),
        ORDERS_API,
      ),
      ORDER_FIELDS,
    )

  app.post<{ Body: PlacementRequest }>(
    '/orders',
    { config: { access: { scopes: ['orders:write'] } }, schema: { body: ORDER_REQUEST_SCHEMA } },
    async (request, reply) => {
      const key = idempotencyKeyOf(request.headers['idempotency-key'])
      const customer = customerOf(request)
      const order = priced(request.body.items)
      const orderId = identity.orderId(customer, key)
      const fingerprint = identity.fingerprint(request.body)
      const sameKeyOtherOrder = () =>
        new Conflict('this Idempotency-Key was used for another order')

      const known = await findPlacedOrder(pool, customer, orderId)
      if (known) {
        if (known.fingerprint !== fingerprint) throw sameKeyOtherOrder()
        const existing = await fetchOrder(request, orderId)
        return reply.code(200).header('location', `/orders/${orderId}`).send(existing)
      }

      // The CVC goes no further than this line: the vault takes no CVC, nothing stores one.
      const { number, expMonth, expYear } = request.body.card
      const card = await vault.tokenize({ number, expMonth, expYear })
      const traceId = request.traceContext.traceId
      const stored = answerOf(
        await downstream.callService(ORDERS_API, '/orders', {
          subjectToken: subjectTokenOf(request),
          scope: 'orders:write',
          method: 'POST',
          body: {
            id: orderId,
            items: order.items,
            totalCents: order.totalCents,
            currency: order.currency,
            card: { brand: card.brand, last4: card.last4 },
            traceId,
          },
        }),
        ORDERS_API,
      )
      const { recorded, placed } = await recordPlacedOrder(
        pool,
        {
          version: 1,
          orderId,
          customer,
          items: order.items,
          totalCents: order.totalCents,
          currency: order.currency,
          card,
          traceId,
          placedAt: new Date().toISOString(),
        },
        fingerprint,
      )
      if (!recorded && placed.fingerprint !== fingerprint) throw sameKeyOtherOrder()
      return reply
        .code(recorded ? 201 : 200)
        .header('location', `/orders/${orderId}`)
        .send(pickFields(stored, ORDER_FIELDS))
    },
  )

  app.get('/orders', read, async (request) => {
    const list = answerOf(
      await downstream.callService(ORDERS_API, '/orders', {
        subjectToken: subjectTokenOf(request),
        scope: 'orders:read',
      }),
      ORDERS_API,
    )
    return pickFields(list, ['orders'])
  })

  app.get<{ Params: { id: string } }>(
    '/orders/:id',
    { ...read, schema: { params: orderIdParams } },
    async (request) => fetchOrder(request, request.params.id),
  )
  done()
}
