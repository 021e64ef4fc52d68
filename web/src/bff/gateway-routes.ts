/**
 * The BFF's `/api/*` routes and the gateway call each one makes with the session's DPoP-bound
 * token (SCENARIO.md API contract). Only these paths exist; nothing else is proxied.
 */
import type { SignedInSession } from './sign-in.ts'

export interface GatewayRequest {
  readonly method: 'GET' | 'POST'
  /** Gateway path with query, e.g. `/shopping/me/orders`. */
  readonly path: string
}

export interface GatewayAnswer {
  readonly status: number
  readonly body: unknown
  readonly contentType: string
}

/** What a gateway call is made with: a user's session, or the web's own client token. */
export type GatewayCredential = Pick<SignedInSession, 'clientId' | 'accessToken' | 'dpopKey'>

export type GatewayCall = (
  credential: GatewayCredential,
  request: GatewayRequest & { body?: unknown; idempotencyKey?: string; traceId: string },
) => Promise<GatewayAnswer>

const ORDER_ID = /^[A-Za-z0-9_-]{1,64}$/

/**
 * @example gatewayRoute('GET', '/api/orders/o-1', new URLSearchParams()) // { method: 'GET', path: '/shopping/me/orders/o-1' }
 */
export function gatewayRoute(
  method: string,
  path: string,
  query: URLSearchParams,
): GatewayRequest | undefined {
  if (method === 'GET') {
    const fixed: Record<string, string> = {
      '/api/products': '/shopping/products',
      '/api/me': '/shopping/me',
      '/api/orders': '/shopping/me/orders',
      '/api/loyalty': '/shopping/me/loyalty',
      '/api/recommendations': '/shopping/me/recommendations',
      '/api/traces': '/shopping/me/traces',
    }
    if (fixed[path]) return { method, path: fixed[path] }
    const order = /^\/api\/orders\/([^/]+)$/.exec(path)?.[1]
    if (order && ORDER_ID.test(order)) return { method, path: `/shopping/me/orders/${order}` }
    const trace = /^\/api\/traces\/([0-9a-f]{32})$/.exec(path)?.[1]
    if (trace) return { method, path: `/shopping/me/traces/${trace}` }
    if (path === '/api/staff/customers') {
      return {
        method,
        path: `/assistant/customers?${new URLSearchParams({ q: query.get('q') ?? '' })}`,
      }
    }
  }
  if (method === 'POST') {
    if (path === '/api/orders') return { method, path: '/shopping/me/orders' }
    if (path === '/api/staff/customers') return { method, path: '/assistant/customers' }
  }
  return undefined
}
