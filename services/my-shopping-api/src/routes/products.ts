import { CATALOGUE } from '@mythical/catalogue'
import { HOP_REASONS, InsufficientScope, type AccessCheck } from '@mythical/service-kit'
import type { FastifyPluginCallback } from 'fastify'

/** The gateway's machine token for anonymous browsing carries this scope and nothing else. */
const CATALOGUE_SCOPE = 'catalogue:read'

/**
 * A shopper's phantom JWT reads the catalogue as it is. A token without a user (`sub` = its
 * client: the gateway's own `client_credentials` token for anonymous browsing) must carry
 * `catalogue:read`; it holds none of the user routes' scopes, so this is the only route it opens.
 */
const catalogueReader: AccessCheck = (access) =>
  access.subject !== access.clientId || access.scopes.includes(CATALOGUE_SCOPE)
    ? undefined
    : {
        reason: HOP_REASONS.scopeInsufficient,
        problem: new InsufficientScope(`requires scope "${CATALOGUE_SCOPE}"`, {
          headers: {
            'www-authenticate': `Bearer error="insufficient_scope", scope="${CATALOGUE_SCOPE}"`,
          },
        }),
      }

/**
 * `GET /shopping/products`: the catalogue, for a shopper or the web's own client token
 * (anonymous browsing, forwarded by the gateway with its machine token).
 */
export const productRoutes: FastifyPluginCallback = (app, _opts, done) => {
  app.get(
    '/shopping/products',
    { config: { access: { scopes: [], checks: [catalogueReader] } } },
    async () => ({ products: CATALOGUE }),
  )
  done()
}
