/**
 * Resource servers (RFC 8707 resource indicators) the IdP issues access tokens for, and how:
 *
 * - the internet-facing gateway gets **opaque** tokens (introspected, never parsed by the client);
 * - internal APIs get **JWT** access tokens (RFC 9068), signed ES256, short-lived;
 * - the shipping partner's IdP gets a JWT whose audience is its issuer (federation, TB10).
 *
 * Each resource lists the scopes it understands; a token for it never carries any other.
 */
import { resourceUri, serviceByName } from '@mythical/stack'

/** How one resource server receives its access tokens. */
export interface ResourceDefinition {
  /** Service name of the resource server (or `partner-idp`), the key of the call-graph policy. */
  readonly service: string
  /** The resource indicator, also the token's `aud`. */
  readonly uri: string
  readonly format: 'opaque' | 'jwt'
  readonly scopes: readonly string[]
  /** Access token lifetime in seconds. */
  readonly ttl: number
}

/** Every user-facing scope of the retail domain, with what it grants (shown on the consent page). */
export const SCOPE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'orders:read': 'See your orders',
  'orders:write': 'Place orders on your behalf',
  'customers:read': 'See customer profiles and loyalty points',
  'customers:write': 'Register and update customers',
  'recommendations:read': 'See recommendations for you',
  'tracking:read': 'Track your parcels with our shipping partner',
  'traces:read': 'See the trust trace of your orders and requests',
}

/**
 * Reading one's own trust trace: a scope of its own (not `orders:read`), so a client that may see
 * her orders is not thereby allowed to see how every hop decided about her. Only the shopper's
 * web BFF may ask for it (services/idp/clients.ts).
 */
export const TRACES_SCOPE = 'traces:read'

/**
 * Machine scope of the IdP's own resource: create a customer identity (`POST /accounts`), for
 * customers-api only (the call graph's only access-token edge to the IdP). Never user-facing.
 */
export const ACCOUNT_REGISTRATION_SCOPE = 'accounts:register'

/**
 * Machine scope of my-shopping-api's catalogue: the gateway's own `client_credentials` token for
 * anonymous browsing (the web client's token without a user) carries it and nothing else.
 */
export const CATALOGUE_SCOPE = 'catalogue:read'

/**
 * Service name of the partner resource: its URI is the shipping partner's issuer (configuration),
 * not a retail resource indicator.
 */
export const PARTNER_TARGET = 'partner-idp'

const uriOf = (service: string) => resourceUri(serviceByName(service))

/** URI of the gateway resource (opaque tokens). */
export const GATEWAY_RESOURCE = uriOf('gateway')

/**
 * The resource catalogue. `partnerIssuer` is the shipping partner's issuer identifier, which is
 * deployment configuration (`PARTNER_IDP_ISSUER`).
 */
export function resourceCatalogue(partnerIssuer: string): ReadonlyMap<string, ResourceDefinition> {
  const internal = (service: string, scopes: string[]): ResourceDefinition => ({
    service,
    uri: uriOf(service),
    format: 'jwt',
    scopes,
    ttl: 300,
  })
  const all: ResourceDefinition[] = [
    {
      service: 'gateway',
      uri: GATEWAY_RESOURCE,
      format: 'opaque',
      scopes: Object.keys(SCOPE_DESCRIPTIONS),
      ttl: 600,
    },
    internal('my-shopping-api', [
      'orders:read',
      'orders:write',
      'customers:read',
      'recommendations:read',
      'tracking:read',
      TRACES_SCOPE,
      CATALOGUE_SCOPE,
    ]),
    internal('shop-assistant-api', ['customers:read', 'customers:write']),
    internal('order-fulfillment-api', ['orders:read', 'orders:write']),
    internal('orders-api', ['orders:read', 'orders:write']),
    internal('customers-api', ['customers:read', 'customers:write']),
    internal('recommendations-api', ['recommendations:read']),
    internal('payments-api', ['orders:read']),
    // The trust trace of her orders and requests, read on her behalf by my-shopping-api.
    internal('trace-store', [TRACES_SCOPE]),
    internal('idp', [ACCOUNT_REGISTRATION_SCOPE]),
    {
      service: PARTNER_TARGET,
      uri: partnerIssuer,
      format: 'jwt',
      scopes: ['tracking:read'],
      ttl: 120,
    },
  ]
  return new Map(all.map((r) => [r.uri, r]))
}
