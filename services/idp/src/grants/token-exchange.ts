/**
 * OAuth 2.0 Token Exchange (RFC 8693) as an oidc-provider custom grant: a workload that received
 * a user's token gets a new one, on behalf of that user, for exactly the next hop.
 *
 * - the caller is an authenticated client (mTLS for workloads, private_key_jwt for web);
 * - `subject_token` must be an access token this IdP issued, valid, and meant for the caller
 *   (its `aud` is the caller's resource — or, on the first hop, it was issued to the caller);
 * - `resource` (or `audience`) is required and must be an edge of the call graph from the
 *   caller (`src/policies/token-exchange-graph.ts`);
 * - scopes are only narrowed: each requested scope must be in the subject token and understood
 *   by the target; none requested → the intersection;
 * - the new token names the user (`sub`) and the delegation chain (`act`, nested per hop,
 *   RFC 8693 §4.1), keeps `acr`/`amr`/`groups`, and is certificate-bound to the caller when it
 *   is an mTLS client (RFC 8705);
 * - actor tokens are not accepted: the actor is the authenticated client itself.
 *
 * Every refusal is an OAuth error tagged with a `token_exchange.*` audit reason; every issued
 * token is an `allow` record.
 */
import type { JSONWebKeySet } from 'jose'
import type Provider from 'oidc-provider'
import { errors } from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { resourceUri, serviceByName, workloadId } from '@mythical/infra/stack'
import { getCertificate, withReason } from '@mythical/service-kit'
import type { IdpAudit } from '../audit/idp-audit.ts'
import type { ResourceDefinition } from '../policies/resources.ts'
import { isAllowedTarget } from '../policies/token-exchange-graph.ts'
import { attachExchangeClaims } from '../provider/extra-token-claims.ts'
import { toResourceServerInfo } from '../provider/resource-server-info.ts'
import { validateSubjectToken } from './subject-token.ts'
import type { SubjectToken } from './subject-token.ts'

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt'

/** Parameters the grant accepts (everything else is stripped by oidc-provider). */
export const TOKEN_EXCHANGE_PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'requested_token_type',
  'resource',
  'audience',
  'scope',
  'actor_token',
  'actor_token_type',
] as const

/** Dependencies of the handler. */
export interface TokenExchangeOptions {
  issuer: string
  catalogue: ReadonlyMap<string, ResourceDefinition>
  /** Current public signing keys of the IdP (subject JWTs are verified against them). */
  publicJwks: () => JSONWebKeySet
  audit: IdpAudit
  /** Whether the subject still exists (a deleted user's tokens cannot be exchanged). */
  accountExists: (accountId: string) => Promise<boolean>
}

const invalidRequest = (reason: string, msg: string) =>
  withReason(new errors.InvalidRequest(msg), reason)

/** The workload identity of a client, used as the actor's `sub` (a SPIFFE id when it has one). */
function actorId(clientId: string): string {
  try {
    const s = serviceByName(clientId)
    return workloadId(s.domain, s.name)
  } catch {
    return clientId
  }
}

/** Resource URI of the caller when it is a resource server itself. */
function callerResource(clientId: string): string | undefined {
  try {
    return resourceUri(serviceByName(clientId))
  } catch {
    return undefined
  }
}

function narrowScopes(
  requested: string | undefined,
  subject: SubjectToken,
  target: ResourceDefinition,
) {
  const held = new Set(subject.scopes)
  const understood = new Set(target.scopes)
  if (requested === undefined) {
    const scopes = subject.scopes.filter((s) => understood.has(s))
    if (scopes.length === 0) {
      throw withReason(
        new errors.InvalidScope('no scope of the subject token applies to the target', ''),
        'token_exchange.no_common_scope',
      )
    }
    return scopes
  }
  const scopes = requested.split(' ').filter(Boolean)
  const widened = scopes.filter((s) => !held.has(s))
  if (widened.length > 0) {
    throw withReason(
      new errors.InvalidScope('requested scope exceeds the subject token', widened.join(' ')),
      'token_exchange.scope_widening',
    )
  }
  const foreign = scopes.filter((s) => !understood.has(s))
  if (foreign.length > 0 || scopes.length === 0) {
    throw withReason(
      new errors.InvalidScope('requested scope is not valid for the target', foreign.join(' ')),
      'token_exchange.scope_not_for_target',
    )
  }
  return scopes
}

/**
 * Build the grant handler.
 *
 * @example
 * ```ts
 * provider.registerGrantType(TOKEN_EXCHANGE_GRANT, tokenExchangeHandler(provider, opts), [...TOKEN_EXCHANGE_PARAMETERS])
 * ```
 */
export function tokenExchangeHandler(provider: Provider, opts: TokenExchangeOptions) {
  return async function tokenExchange(ctx: KoaContextWithOIDC): Promise<void> {
    const params = ctx.oidc.params as Record<string, string | undefined>
    const client = ctx.oidc.client
    if (!client) throw new errors.InvalidClient('client not authenticated')

    if (!params.subject_token || !params.subject_token_type) {
      throw invalidRequest(
        'token_exchange.invalid_request',
        'subject_token and subject_token_type are required',
      )
    }
    if (![ACCESS_TOKEN_TYPE, JWT_TYPE].includes(params.subject_token_type)) {
      throw invalidRequest(
        'token_exchange.unsupported_subject_token_type',
        'unsupported subject_token_type',
      )
    }
    if (params.requested_token_type && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw invalidRequest(
        'token_exchange.unsupported_requested_token_type',
        'only access tokens can be requested',
      )
    }
    if (params.actor_token || params.actor_token_type) {
      throw invalidRequest(
        'token_exchange.actor_token_not_supported',
        'actor tokens are not accepted; the authenticated client is the actor',
      )
    }

    const indicator = params.resource ?? params.audience
    if (!indicator) {
      throw withReason(
        new errors.InvalidTarget('resource (or audience) is required'),
        'token_exchange.target_missing',
      )
    }
    if (params.resource && params.audience && params.audience !== params.resource) {
      throw withReason(
        new errors.InvalidTarget('audience and resource disagree'),
        'token_exchange.target_mismatch',
      )
    }
    const target = opts.catalogue.get(indicator)
    if (!target) {
      throw withReason(new errors.InvalidTarget('unknown target'), 'token_exchange.unknown_target')
    }
    if (!isAllowedTarget(client.clientId, target.service)) {
      throw withReason(
        new errors.InvalidTarget('target is not reachable from this client'),
        'token_exchange.audience_not_allowed',
      )
    }

    const subject = await validateSubjectToken(provider, params.subject_token, {
      issuer: opts.issuer,
      jwks: opts.publicJwks(),
    })
    const ownResource = callerResource(client.clientId)
    const forCaller =
      (ownResource !== undefined && subject.audience.includes(ownResource)) ||
      subject.clientId === client.clientId
    if (!forCaller) {
      throw withReason(
        new errors.InvalidGrant('subject token was not issued for this client'),
        'token_exchange.subject_not_for_caller',
      )
    }
    const scopes = narrowScopes(params.scope, subject, target)

    if (!(await opts.accountExists(subject.accountId))) {
      throw withReason(
        new errors.InvalidGrant('subject no longer exists'),
        'token_exchange.unknown_subject',
      )
    }

    const act = { sub: actorId(client.clientId), ...(subject.act ? { act: subject.act } : {}) }
    // An exchanged token belongs to no authorization grant of its own (types say grantId is
    // required; oidc-provider only needs it for tokens issued from a grant).
    const at = new provider.AccessToken({
      accountId: subject.accountId,
      client,
      gty: 'token_exchange',
      scope: scopes.join(' '),
    } as ConstructorParameters<typeof provider.AccessToken>[0])
    at.resourceServer = new provider.ResourceServer(target.uri, toResourceServerInfo(target))
    if (client.tlsClientCertificateBoundAccessTokens) {
      const cert = getCertificate(ctx)
      if (!cert) {
        throw withReason(
          new errors.InvalidGrant('mutual TLS client certificate not provided'),
          'token.certificate_required',
        )
      }
      at.setThumbprint('x5t', cert)
    }
    attachExchangeClaims(at, {
      act,
      ...(subject.acr ? { acr: subject.acr } : {}),
      ...(subject.amr ? { amr: subject.amr } : {}),
      ...(subject.groups ? { groups: subject.groups } : {}),
    })
    ctx.oidc.entity('AccessToken', at)
    const value = await at.save()

    opts.audit.record(ctx.req, {
      decision: 'allow',
      reason: 'token_exchange.issued',
      boundary: target.service === 'partner-idp' ? 'TB10' : 'TB05',
      caller: act.sub,
      subject: subject.accountId,
      target: target.uri,
      scope: at.scope,
      act,
    })

    ctx.body = {
      access_token: value,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: at.tokenType,
      expires_in: at.expiration,
      scope: at.scope,
    }
  }
}
