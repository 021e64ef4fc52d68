/**
 * The orders-api routes of docs/internal-apis.md. The customer is always the validated token's
 * subject, never a value from the request: each request runs in a transaction scoped to it
 * (row-level security), and another customer's order answers 404 like an unknown one.
 */
import { withCustomerScope } from '@mythical/db'
import { Conflict, NotFound, Unauthenticated, ValidationFailed } from '@mythical/problem'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Pool } from 'pg'
import { findOrder, insertOrder, listOrders, type NewOrder, type Order } from '../order-store.ts'
import { newOrderBody, orderIdParams } from './schemas.ts'

/** Options of {@link orderRoutes}. */
export interface OrderRoutesOptions {
  readonly pool: Pool
}

const READ = { access: { scopes: ['orders:read'] } }
const WRITE = { access: { scopes: ['orders:write'] } }

/** The customer is the subject of the token the hop kit verified for this request. */
function customerOf(request: FastifyRequest): string {
  if (!request.access) throw new Unauthenticated()
  return request.access.subject
}

const sameOrder = (stored: Order, sent: NewOrder) =>
  JSON.stringify([stored.items, stored.totalCents, stored.currency, stored.card]) ===
  JSON.stringify([sent.items, sent.totalCents, sent.currency, sent.card])

/** `POST /orders`, `GET /orders`, `GET /orders/{id}`. */
export const orderRoutes: FastifyPluginAsync<OrderRoutesOptions> = async (app, opts) => {
  const { pool } = opts

  app.post<{ Body: NewOrder }>(
    '/orders',
    { config: WRITE, schema: { body: newOrderBody } },
    async (req, reply) => {
      const order = req.body
      const total = order.items.reduce((sum, l) => sum + l.quantity * l.priceCents, 0)
      if (total !== order.totalCents) {
        throw new ValidationFailed('totalCents is not the sum of the lines')
      }
      const customer = customerOf(req)
      const { created, stored } = await withCustomerScope(pool, customer, async (db) => {
        const created = await insertOrder(db, customer, order)
        return { created, stored: await findOrder(db, customer, order.id) }
      })
      // A retry of the same order gets it back; an id taken by anything else is a conflict
      // (another customer's order is invisible here, so it looks the same: nothing leaks).
      if (!stored || (!created && !sameOrder(stored, order))) {
        throw new Conflict('an order with this id already exists')
      }
      return reply
        .code(created ? 201 : 200)
        .header('location', `/orders/${stored.id}`)
        .send(stored)
    },
  )

  app.get('/orders', { config: READ }, async (req) => {
    const customer = customerOf(req)
    return { orders: await withCustomerScope(pool, customer, (db) => listOrders(db, customer)) }
  })

  app.get<{ Params: { id: string } }>(
    '/orders/:id',
    { config: READ, schema: { params: orderIdParams } },
    async (req) => {
      const customer = customerOf(req)
      const order = await withCustomerScope(pool, customer, (db) =>
        findOrder(db, customer, req.params.id),
      )
      if (!order) throw new NotFound('no such order')
      return order
    },
  )
}
