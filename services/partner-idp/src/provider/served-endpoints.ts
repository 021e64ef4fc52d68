/**
 * The endpoints the partner IdP serves, and nothing else. oidc-provider mounts browser endpoints
 * (`/auth`, `/session/end`, …) whatever the configuration says; the partner has no browser flow
 * (tokens come only from the federation grant), so a request for any of them is answered here
 * with a 404 problem before it reaches the provider: no error page, no session cookie.
 */
import { NotFound, PROBLEM_CONTENT_TYPE, toProblemDocument } from '@mythical/problem'
import { traceIdOf } from '@mythical/service-kit'
import type { RequestListener } from '@mythical/service-kit'

/** Discovery, the public keys, and the token endpoint (federated token exchange). */
export const SERVED_PATHS: ReadonlySet<string> = new Set([
  '/.well-known/openid-configuration',
  '/jwks',
  '/token',
])

/**
 * Passes requests for {@link SERVED_PATHS} to `provider`; refuses everything else.
 *
 * @example
 *   withOidcProbes(servedEndpointsOnly(provider.callback()), { readiness })
 */
export function servedEndpointsOnly(provider: RequestListener): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (SERVED_PATHS.has(path)) {
      provider(req, res)
      return
    }
    const problem = toProblemDocument(new NotFound('No such endpoint.'), {
      instance: path,
      traceId: traceIdOf(req.headers.traceparent),
    })
    res.writeHead(problem.status, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'cache-control': 'no-store',
    })
    res.end(JSON.stringify(problem))
  }
}
