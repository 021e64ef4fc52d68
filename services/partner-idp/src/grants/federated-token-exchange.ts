/**
 * RFC 8693 token exchange as the federation grant: Mythical Retail's `web` client (authenticated
 * with `private_key_jwt` by oidc-provider before this runs) presents a retail-issued access token
 * for one of its users and receives a partner access token for order-tracking-api.
 *
 * - only impersonation-free, single-subject exchange: `actor_token` is refused;
 * - the target must be order-tracking-api (`resource` / `audience`), else `invalid_target`;
 * - only `tracking:read` may be asked for, and only if the retail token grants it — the user
 *   consented to parcel tracking at the retailer (no widening across domains), else `invalid_scope`;
 * - the subject token is verified by {@link SubjectTokenVerifier} (issuer, keys, audience, time,
 *   replay) — request parameters are checked first so a bad request never burns a token's `jti`;
 * - the retail `sub` becomes a pairwise partner subject; the retail `sub` is never issued or logged;
 * - over the mTLS alias the token is bound to the client certificate (RFC 8705 `cnf.x5t#S256`).
 */
import { randomUUID } from 'node:crypto'
import { errors } from 'oidc-provider'
import type { Provider, TokenEndpointGrantContext } from 'oidc-provider'
import { getCertificate, traceIdOf } from '@mythical/service-kit'
import { FEDERATION_BOUNDARY } from '../audit/audit-sink.ts'
import type { AuditSink } from '../audit/audit-sink.ts'
import { TOKEN_EXCHANGE_GRANT, TOKEN_TYPE } from '@mythical/oauth'
import { FederationRefusal } from '../federation/errors.ts'
import { pairwiseSubject } from '@mythical/service-kit'
import type { PairwiseKey } from '@mythical/service-kit'
import type { SubjectTokenVerifier, VerifiedSubject } from '../federation/verify-subject-token.ts'
import { ORDER_TRACKING_RESOURCE, RESOURCE_SERVERS, TRACKING_READ } from '../provider/resources.ts'

export { TOKEN_EXCHANGE_GRANT }

/** Request parameters of the grant (RFC 8693 §2.1); everything else is stripped by oidc-provider. */
export const TOKEN_EXCHANGE_PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'audience',
  'resource',
  'scope',
] as const

interface TokenExchangeParams {
  subject_token?: string
  subject_token_type?: string
  actor_token?: string
  actor_token_type?: string
  requested_token_type?: string
  audience?: string
}

export interface FederatedTokenExchangeDependencies {
  readonly verifier: SubjectTokenVerifier
  readonly pairwiseKey: PairwiseKey
  readonly audit: AuditSink
  /** Errors this grant has already audited, so the provider-level listener does not repeat them. */
  readonly audited: WeakSet<Error>
}

/**
 * Registers the grant on the provider.
 *
 * @example
 *   registerFederatedTokenExchange(provider, { verifier, pairwiseKey, audit, audited })
 */
export function registerFederatedTokenExchange(
  provider: Provider,
  deps: FederatedTokenExchangeDependencies,
): void {
  provider.registerGrantType<TokenExchangeParams>(
    TOKEN_EXCHANGE_GRANT,
    (ctx) => exchange(ctx, deps),
    TOKEN_EXCHANGE_PARAMETERS,
  )
}

async function exchange(
  ctx: TokenEndpointGrantContext<TokenExchangeParams>,
  deps: FederatedTokenExchangeDependencies,
): Promise<void> {
  const { client, params, provider } = ctx.oidc
  let subject: VerifiedSubject | undefined
  try {
    checkParameters(params)
    const target = resolveTarget(params.resource, params.audience)
    const scope = resolveScope(params.scope)
    subject = await deps.verifier.verify(
      params.subject_token as string,
      params.subject_token_type as string,
    )
    if (!subject.scopes.has(scope)) {
      throw new FederationRefusal(
        'federation.scope_not_granted',
        'invalid_scope',
        `the subject_token does not grant ${scope}`,
      )
    }
    const resourceServer = new provider.ResourceServer(target, requireResource(target))
    const token = new provider.AccessToken({
      client,
      accountId: pairwiseSubject(deps.pairwiseKey, subject.issuer, subject.subject),
      scope,
      gty: TOKEN_EXCHANGE_GRANT,
      // JWT access tokens are self-contained and no Grant is persisted; the model wants an id.
      grantId: randomUUID(),
      resourceServer,
    })
    const certificate = getCertificate(ctx)
    if (certificate) token.setThumbprint('x5t', certificate)
    const accessToken = await token.save()
    deps.audit.decision({
      traceId: traceIdOf(ctx.get('traceparent')),
      boundary: FEDERATION_BOUNDARY,
      route: 'POST /token',
      decision: 'allow',
      reason: 'federation.exchanged',
      client: client.clientId,
      subject: token.accountId,
      subjectIssuer: subject.issuer,
      tokenId: subject.jti,
      audience: target,
      scope,
    })
    ctx.body = {
      access_token: accessToken,
      issued_token_type: TOKEN_TYPE.accessToken,
      token_type: token.tokenType,
      expires_in: token.expiration,
      scope,
    }
  } catch (err) {
    if (!(err instanceof FederationRefusal)) throw err
    deps.audit.decision({
      traceId: traceIdOf(ctx.get('traceparent')),
      boundary: FEDERATION_BOUNDARY,
      route: 'POST /token',
      decision: 'deny',
      reason: err.code,
      client: client.clientId,
      subjectIssuer: subject?.issuer,
      tokenId: subject?.jti,
      oauthError: err.oauthError,
    })
    const answer = new errors.CustomOIDCProviderError(err.oauthError, err.message)
    deps.audited.add(answer)
    throw answer
  }
}

function checkParameters(params: TokenExchangeParams): void {
  if (!params.subject_token || !params.subject_token_type) {
    throw new FederationRefusal(
      'federation.unsupported_parameter',
      'invalid_request',
      'subject_token and subject_token_type are required',
    )
  }
  // Delegation (an actor acting for the user) is not part of this federation: the partner only
  // learns "a retail user, pairwise-identified", never a chain of retail services.
  if (params.actor_token || params.actor_token_type) {
    throw new FederationRefusal(
      'federation.unsupported_parameter',
      'invalid_request',
      'actor_token is not supported',
    )
  }
  const requested = params.requested_token_type
  if (requested && requested !== TOKEN_TYPE.accessToken && requested !== TOKEN_TYPE.jwt) {
    throw new FederationRefusal(
      'federation.unsupported_parameter',
      'invalid_request',
      'requested_token_type must be an access token',
    )
  }
}

/** RFC 8693 allows `resource` and/or `audience`; both, when given, must name order-tracking-api. */
function resolveTarget(resource: string | string[] | undefined, audience: string | undefined) {
  const named = [...(Array.isArray(resource) ? resource : resource ? [resource] : [])]
  if (audience) named.push(audience)
  if (named.some((value) => value !== ORDER_TRACKING_RESOURCE)) {
    throw new FederationRefusal(
      'federation.invalid_target',
      'invalid_target',
      'the only target available through federation is order-tracking-api',
    )
  }
  return ORDER_TRACKING_RESOURCE
}

/** No widening: the request may only ask for `tracking:read` (the default when it asks nothing). */
function resolveScope(requested: string | undefined): string {
  const scopes = new Set((requested ?? TRACKING_READ).split(' ').filter(Boolean))
  if (scopes.size === 0) scopes.add(TRACKING_READ)
  if ([...scopes].some((scope) => scope !== TRACKING_READ)) {
    throw new FederationRefusal(
      'federation.scope_widening',
      'invalid_scope',
      `only ${TRACKING_READ} can be requested through federation`,
    )
  }
  return TRACKING_READ
}

function requireResource(target: string) {
  const definition = RESOURCE_SERVERS[target]
  if (!definition) throw new TypeError(`no resource server definition for ${target}`)
  return definition
}
