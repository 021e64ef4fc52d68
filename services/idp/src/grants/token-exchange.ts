/**
 * OAuth 2.0 Token Exchange (RFC 8693) as an oidc-provider custom grant: a workload that received
 * a user's token gets a new one, on behalf of that user, for exactly the next hop.
 *
 * - the caller is an authenticated client (mTLS for workloads, private_key_jwt for web);
 * - `subject_token` must be an access token this IdP issued, valid, and meant for the caller
 *   (its `aud` is the caller's resource — or, on the first hop, it was issued to the caller);
 * - `resource` (or `audience`) is required and must be an edge of the call graph from the
 *   caller (the stack's call graph, `@mythical/stack`);
 * - scopes are only narrowed: each requested scope must be in the subject token and understood
 *   by the target; none requested → the intersection;
 * - the new token names the user (`sub`) and the delegation chain (`act`, nested per hop,
 *   RFC 8693 §4.1) and keeps `acr`/`amr`/`groups`;
 * - it keeps the sender constraint of the caller, never weaker than the client's own tokens:
 *   certificate-bound for an mTLS client (RFC 8705), DPoP-bound for a DPoP client (RFC 9449, a
 *   proof is required); a client exchanging its own DPoP-bound token must prove the same key;
 * - it lives no longer than the subject token, and an opaque subject's grant is its grant too,
 *   so revoking the grant (e.g. on code replay) revokes the derived tokens with it;
 * - actor tokens are not accepted: the actor is the authenticated client itself.
 *
 * Every refusal is an OAuth error tagged with a `token_exchange.*` audit reason; every issued
 * token is an `allow` record.
 */
import type { JSONWebKeySet } from 'jose'
import type Provider from 'oidc-provider'
import { errors } from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import { isAllowedTarget, resourceUri, serviceByName, workloadId } from '@mythical/stack'
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPE } from '@mythical/oauth'
import { getCertificate, withReason } from '@mythical/service-kit'
import type { ActorChain } from '@mythical/audit'
import type { IdpAudit } from '../audit/idp-audit.ts'
import type { ResourceDefinition } from '../policies/resources.ts'
import { attachExchangeClaims } from '../provider/extra-token-claims.ts'
import { toResourceServerInfo } from '../provider/resource-server-info.ts'
import { dpopProofOf } from './dpop-binding.ts'
import { validateSubjectToken } from './subject-token.ts'
import type { SubjectToken } from './subject-token.ts'

export { TOKEN_EXCHANGE_GRANT }
const ACCESS_TOKEN_TYPE: string = TOKEN_TYPE.accessToken
const JWT_TYPE: string = TOKEN_TYPE.jwt

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

    const proof = await dpopProofOf(provider, ctx)
    if (!proof && client.dpopBoundAccessTokens) {
      throw withReason(
        new errors.InvalidGrant('DPoP proof JWT not provided'),
        'token.dpop_required',
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
    // Exchanging one's own DPoP-bound token proves its key: a stolen token plus a fresh key
    // must not become a token bound to the thief (nor an unbound one).
    if (subject.clientId === client.clientId && subject.jkt !== undefined) {
      if (!proof) {
        throw withReason(
          new errors.InvalidGrant('DPoP proof JWT not provided'),
          'token.dpop_required',
        )
      }
      if (proof.thumbprint !== subject.jkt) {
        throw withReason(
          new errors.InvalidGrant('DPoP proof key is not the key the subject token is bound to'),
          'token_exchange.dpop_key_mismatch',
        )
      }
    }
    const scopes = narrowScopes(params.scope, subject, target)

    if (!(await opts.accountExists(subject.accountId))) {
      throw withReason(
        new errors.InvalidGrant('subject no longer exists'),
        'token_exchange.unknown_subject',
      )
    }

    const act = { sub: actorId(client.clientId), ...(subject.act ? { act: subject.act } : {}) }
    // An exchanged token has no authorization grant of its own: it joins the subject token's
    // (opaque subjects), or none (types say grantId is required; oidc-provider needs it only for
    // tokens issued from a grant).
    const subjectRemaining = subject.expiresAt - Math.floor(Date.now() / 1000)
    const at = new provider.AccessToken({
      accountId: subject.accountId,
      client,
      gty: 'token_exchange',
      scope: scopes.join(' '),
      ...(subject.grantId ? { grantId: subject.grantId } : {}),
      // Never longer than the subject token (nor than the target's own lifetime).
      expiresIn: Math.max(1, Math.min(target.ttl, subjectRemaining)),
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
    if (proof) at.setThumbprint('jkt', proof.thumbprint)
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
      client: client.clientId,
      subject: subject.accountId,
      audience: target.uri,
      scope: at.scope,
      // The nested chain of the subject token is one this IdP issued and signed.
      act: act as ActorChain,
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
