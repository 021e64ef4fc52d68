import { CATALOGUE } from '@mythical/catalogue'
import type { FastifyPluginCallback } from 'fastify'

/**
 * `GET /shopping/products`: the catalogue, for a shopper or the web's own client token
 * (anonymous browsing) — any valid phantom JWT, no scope.
 */
export const productRoutes: FastifyPluginCallback = (app, _opts, done) => {
  app.get('/shopping/products', { config: { access: { scopes: [] } } }, async () => ({
    products: CATALOGUE,
  }))
  done()
}
