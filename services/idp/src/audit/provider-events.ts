/**
 * Subscribes the audit trail to oidc-provider's events (docs/events.md of oidc-provider): every
 * refused request at every endpoint becomes a `deny` record with a stable reason code, every
 * issued grant an `allow` record. Token values are never part of a record.
 */
import type { TrustBoundaryId } from '@mythical/stack'
import type Provider from 'oidc-provider'
import type { KoaContextWithOIDC } from 'oidc-provider'
import type { IdpAudit } from './idp-audit.ts'
import { refusalReason } from '@mythical/service-kit'
import { TOKEN_EXCHANGE_GRANT } from '../grants/token-exchange.ts'
import type { ResourceDefinition } from '../policies/resources.ts'

/** Endpoint error events, each a refusal of a request. */
const ERROR_EVENTS = [
  'authorization.error',
  'grant.error',
  'pushed_authorization_request.error',
  'introspection.error',
  'revocation.error',
  'end_session.error',
  'userinfo.error',
  'jwks.error',
  'discovery.error',
] as const

/**
 * The boundary a refusal guards: a token exchange is delegation along the call graph (TB05), or
 * federation when it targets the partner IdP (TB10); everything else at the IdP is TB02.
 */
function refusalBoundary(
  ctx: KoaContextWithOIDC,
  catalogue: ReadonlyMap<string, ResourceDefinition>,
): TrustBoundaryId {
  const params = ctx.oidc?.params
  if (params?.grant_type !== TOKEN_EXCHANGE_GRANT) return 'TB02'
  const target = catalogue.get(String(params.resource ?? params.audience ?? ''))
  return target?.service === 'partner-idp' ? 'TB10' : 'TB05'
}

const clientOf = (ctx: KoaContextWithOIDC) => ctx.oidc?.client?.clientId

/** Audit reason of an issued grant: `grant.authorization_code`, `grant.token_exchange`, … */
function grantReason(grantType: unknown): string {
  const type = String(grantType ?? 'unknown')
  const short = type.startsWith('urn:ietf:params:oauth:grant-type:')
    ? type.slice('urn:ietf:params:oauth:grant-type:'.length)
    : type
  return `grant.${short.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`
}

/** Attach the audit listeners to a provider. */
export function auditProviderEvents(
  provider: Provider,
  audit: IdpAudit,
  catalogue: ReadonlyMap<string, ResourceDefinition>,
): void {
  for (const event of ERROR_EVENTS) {
    // Every error event has the same (ctx, err) signature; the cast picks one overload for all.
    provider.on(event as 'grant.error', (ctx, err) => {
      audit.record(ctx.req, {
        decision: 'deny',
        reason: refusalReason(err),
        boundary: refusalBoundary(ctx, catalogue),
        client: clientOf(ctx),
        oauthError: err.error,
      })
    })
  }
  provider.on('server_error', (ctx: KoaContextWithOIDC, err: Error) => {
    audit.logger.error({ err, client: clientOf(ctx) }, 'idp server error')
  })
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    audit.record(ctx.req, {
      decision: 'allow',
      reason: grantReason(ctx.oidc.params?.grant_type),
      boundary: 'TB02',
      client: clientOf(ctx),
      subject: ctx.oidc.entities.Account?.accountId,
    })
  })
  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    // A revoked grant (a replayed code, a revoked refresh token) ends a web ↔ idp sign-in.
    audit.record(ctx.req, {
      decision: 'deny',
      reason: 'grant.revoked',
      boundary: 'TB02',
      client: clientOf(ctx),
      grantId,
    })
  })
}
