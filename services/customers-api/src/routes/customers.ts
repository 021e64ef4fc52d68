/**
 * The customers-api routes of docs/internal-apis.md. A customer's own routes run in a transaction
 * scoped to the validated token's subject; the staff routes in a staff scope keyed to the sales
 * associate's subject (the hop kit checked the role before the handler runs).
 */
import { withCustomerScope, withStaffScope } from '@mythical/db'
import { NotFound, Unauthenticated } from '@mythical/problem'
import { requireGroup } from '@mythical/service-kit'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Pool } from 'pg'
import { findProfile, lookUpCustomers, loyaltyOf } from '../customer-store.ts'

/** Options of {@link customerRoutes}. */
export interface CustomerRoutesOptions {
  readonly pool: Pool
}

/** IdP group of the staff who may look customers up and register them. */
export const SALES_ASSOCIATE = 'sales-associate'

/** A customer's own data: the shopper's experience API only. */
const OWN_DATA = { access: { scopes: ['customers:read'], callers: ['my-shopping-api'] } }
/** Staff lookup: the sales associates' experience API, for a member of the group only. */
const STAFF_LOOKUP = {
  access: {
    scopes: ['customers:read'],
    callers: ['shop-assistant-api'],
    checks: [requireGroup(SALES_ASSOCIATE)],
  },
}

/** The subject of the token the hop kit verified for this request. */
function subjectOf(request: FastifyRequest): string {
  if (!request.access) throw new Unauthenticated()
  return request.access.subject
}

const lookupQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['q'],
  properties: { q: { type: 'string', minLength: 2, maxLength: 100 } },
} as const

/** `GET /customers/me`, `GET /customers/me/loyalty`, `GET /customers?q=`. */
export const customerRoutes: FastifyPluginAsync<CustomerRoutesOptions> = async (app, opts) => {
  const { pool } = opts

  app.get('/customers/me', { config: OWN_DATA }, async (req) => {
    const customer = subjectOf(req)
    const profile = await withCustomerScope(pool, customer, (db) => findProfile(db, customer))
    if (!profile) throw new NotFound('no customer profile')
    return profile
  })

  app.get('/customers/me/loyalty', { config: OWN_DATA }, async (req) => {
    const customer = subjectOf(req)
    return withCustomerScope(pool, customer, (db) => loyaltyOf(db, customer))
  })

  app.get<{ Querystring: { q: string } }>(
    '/customers',
    { config: STAFF_LOOKUP, schema: { querystring: lookupQuery } },
    async (req) => ({
      customers: await withStaffScope(pool, subjectOf(req), (db) =>
        lookUpCustomers(db, req.query.q),
      ),
    }),
  )
}
