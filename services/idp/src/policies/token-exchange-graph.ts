/**
 * The call graph of SCENARIO.md as the one policy table for audience restriction:
 * a client may obtain an access token (by any grant: code, client credentials or token exchange)
 * only for a resource listed here for it. Anything not listed is refused with `invalid_target`
 * and audited as `token_exchange.audience_not_allowed` / `resource.not_allowed`.
 *
 * Keys are OAuth client ids (= service names); values are target services, or the special
 * `partner-idp` entry for federation.
 */

/** Target meaning "the shipping partner's IdP issuer" (resolved from configuration). */
export const PARTNER_TARGET = 'partner-idp'

/** caller client id → services it may get tokens for. */
export const CALL_GRAPH: Readonly<Record<string, readonly string[]>> = {
  // browser-facing clients (authorization code): the gateway; web also federates to the partner
  web: ['gateway', PARTNER_TARGET],
  'web-staff': ['gateway'],
  // gateway → experience APIs (phantom token via exchange)
  gateway: ['my-shopping-api', 'shop-assistant-api'],
  // experience → process / system
  'my-shopping-api': ['order-fulfillment-api', 'customers-api', 'recommendations-api'],
  'shop-assistant-api': ['customers-api'],
  // process → system
  'order-fulfillment-api': ['orders-api', 'customers-api'],
}

/**
 * Whether `caller` may obtain a token for `target` (a service name or {@link PARTNER_TARGET}).
 *
 * @example
 * ```ts
 * isAllowedTarget('gateway', 'my-shopping-api') // true
 * isAllowedTarget('gateway', 'orders-api')      // false: not an edge of the call graph
 * ```
 */
export function isAllowedTarget(caller: string, target: string): boolean {
  // Own properties only: a client id like "constructor" must not reach Object.prototype.
  return Object.hasOwn(CALL_GRAPH, caller) && (CALL_GRAPH[caller]?.includes(target) ?? false)
}
