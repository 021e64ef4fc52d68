/**
 * The partner's protected resources (RFC 8707 resource indicators). One today: the public
 * order-tracking API. Its identifier equals `resourceUri(order-tracking-api)` of the stack
 * manifest (a unit test keeps them equal); it is an identifier, not a network location.
 */
import type { ResourceServer } from 'oidc-provider'

export const ORDER_TRACKING_RESOURCE = 'https://order-tracking-api.shipping.mythical.example'
export const TRACKING_READ = 'tracking:read'

/** Partner access tokens are short-lived: a leaked one is useful for five minutes at most. */
export const PARTNER_ACCESS_TOKEN_TTL_SECONDS = 300

/**
 * Resource server definitions by identifier: JWT access tokens (RFC 9068) signed ES256 by the
 * partner's own key, so order-tracking-api validates them offline against our JWKS.
 */
export const RESOURCE_SERVERS: Readonly<Record<string, ResourceServer>> = {
  [ORDER_TRACKING_RESOURCE]: {
    scope: TRACKING_READ,
    audience: ORDER_TRACKING_RESOURCE,
    accessTokenFormat: 'jwt',
    accessTokenTTL: PARTNER_ACCESS_TOKEN_TTL_SECONDS,
    jwt: { sign: { alg: 'ES256' } },
  },
}
