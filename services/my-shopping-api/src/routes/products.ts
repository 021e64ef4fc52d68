import type { FastifyPluginCallback } from 'fastify'
import { CATALOGUE } from '../catalogue.ts'

/** `GET /shopping/products`: the catalogue, for any shopper the gateway let through. */
export const productRoutes: FastifyPluginCallback<{ allowedCallers: readonly string[] }> = (
  app,
  opts,
  done,
) => {
  app.get('/shopping/products', { config: { allowedCallers: opts.allowedCallers } }, async () => ({
    products: CATALOGUE,
  }))
  done()
}
