import { GatewayProblems, GATEWAY_REASONS } from '../reasons.ts'
import { deny, type Check } from '../gateway-context.ts'

/** Request headers a browser may send cross-origin (the DPoP pair and the contract's own). */
const ALLOWED_HEADERS = 'authorization, dpop, content-type, idempotency-key'
const ALLOWED_METHODS = 'GET, POST, PUT, PATCH, DELETE'
/** Response headers scripts may read: rate-limit state and the trace. */
const EXPOSED_HEADERS = 'ratelimit, ratelimit-policy, retry-after, traceparent, location'

/**
 * CORS with exact origins: a request without `Origin` (a server such as the web BFF) passes; a
 * listed origin gets its own origin echoed (never `*`, never a pattern); any other origin is
 * refused before the token is even looked at. A preflight from a listed origin is answered here.
 */
export const checkCors: Check = (ctx) => {
  const origin = ctx.request.headers.origin
  const { responseHeaders } = ctx
  responseHeaders.vary = 'Origin'
  if (origin === undefined) return undefined
  if (!ctx.api?.cors.origins.includes(origin)) {
    return deny(GATEWAY_REASONS.corsOriginDenied, new GatewayProblems.CorsOriginDenied())
  }
  responseHeaders['access-control-allow-origin'] = origin
  responseHeaders['access-control-expose-headers'] = EXPOSED_HEADERS
  const preflight =
    ctx.request.method === 'OPTIONS' &&
    ctx.request.headers['access-control-request-method'] !== undefined
  if (!preflight) return undefined
  responseHeaders['access-control-allow-methods'] = ALLOWED_METHODS
  responseHeaders['access-control-allow-headers'] = ALLOWED_HEADERS
  responseHeaders['access-control-max-age'] = '600'
  return { decision: 'answer', reason: GATEWAY_REASONS.preflightAllowed, status: 204 }
}
