/**
 * `GET /recommendations/me` (docs/internal-apis.md), for my-shopping-api with
 * `recommendations:read`: the purchase history of the validated token's subject, read in a
 * transaction scoped to them (row-level security), turned into recommendations from the catalogue.
 */
import { withCustomerScope } from '@mythical/db'
import { Unauthenticated } from '@mythical/problem'
import type { FastifyPluginAsync } from 'fastify'
import type { Pool } from 'pg'
import { purchaseHistory, recommend, type CatalogueProduct } from '../recommend.ts'

/** Options of {@link recommendationRoutes}. */
export interface RecommendationRoutesOptions {
  readonly pool: Pool
  readonly catalogue: readonly CatalogueProduct[]
}

const READ = { access: { scopes: ['recommendations:read'] } }

export const recommendationRoutes: FastifyPluginAsync<RecommendationRoutesOptions> = async (
  app,
  opts,
) => {
  app.get('/recommendations/me', { config: READ }, async (req) => {
    if (!req.access) throw new Unauthenticated()
    const customer = req.access.subject
    const history = await withCustomerScope(opts.pool, customer, (db) =>
      purchaseHistory(db, customer),
    )
    return { products: recommend(opts.catalogue, history) }
  })
}
