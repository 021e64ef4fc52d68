/**
 * RFC 8707 resource indicators → oidc-provider resource server settings, with the call-graph
 * policy applied: a resource outside the catalogue, or one the client may not reach, is refused
 * with `invalid_target` (audit reasons `resource.unknown` / `resource.not_allowed`).
 */
import { errors } from 'oidc-provider'
import type { Client, KoaContextWithOIDC, ResourceServer } from 'oidc-provider'
import type { ResourceDefinition } from '../policies/resources.ts'
import { isAllowedTarget } from '@mythical/stack'
import { withReason } from '@mythical/service-kit'

/** The settings oidc-provider needs for one resource. */
export function toResourceServerInfo(r: ResourceDefinition): ResourceServer {
  return {
    audience: r.uri,
    scope: r.scopes.join(' '),
    accessTokenTTL: r.ttl,
    accessTokenFormat: r.format,
    ...(r.format === 'jwt' ? { jwt: { sign: { alg: 'ES256' } } } : {}),
  }
}

/**
 * Look a resource up and check the client may obtain tokens for it.
 *
 * @throws `InvalidTarget` tagged `resource.unknown` or `resource.not_allowed`
 */
export function allowedResource(
  catalogue: ReadonlyMap<string, ResourceDefinition>,
  indicator: string,
  clientId: string,
): ResourceDefinition {
  const r = catalogue.get(indicator)
  if (!r)
    throw withReason(new errors.InvalidTarget('unknown resource indicator'), 'resource.unknown')
  if (!isAllowedTarget(clientId, r.service)) {
    throw withReason(
      new errors.InvalidTarget('client may not obtain tokens for this resource'),
      'resource.not_allowed',
    )
  }
  return r
}

/** `features.resourceIndicators.getResourceServerInfo` over the catalogue. */
export function getResourceServerInfo(catalogue: ReadonlyMap<string, ResourceDefinition>) {
  return (_ctx: KoaContextWithOIDC, indicator: string, client: Client): ResourceServer =>
    toResourceServerInfo(allowedResource(catalogue, indicator, client.clientId))
}
