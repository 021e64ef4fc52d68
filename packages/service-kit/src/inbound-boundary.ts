import { CALL_GRAPH, type TrustBoundaryId } from '@mythical/stack'

/**
 * The one trust boundary every call to `service` crosses, or `undefined` when its callers cross
 * different ones (the IdP) or an unnamed one: a refusal that happens before the caller is known
 * (a TLS handshake) can only name the boundary when there is a single one.
 *
 * @example inboundBoundary('my-shopping-api') // 'TB04'
 */
export function inboundBoundary(service: string): TrustBoundaryId | undefined {
  const boundaries = new Set(
    CALL_GRAPH.filter((call) => call.callee === service).map((call) => call.boundary),
  )
  const [only] = boundaries
  return boundaries.size === 1 ? only : undefined
}
