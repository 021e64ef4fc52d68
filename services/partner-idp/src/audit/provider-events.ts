/**
 * Audits token-endpoint refusals that happen inside oidc-provider before the federation grant
 * runs — above all failed client authentication (unknown client, wrong key, expired or replayed
 * assertion) — using its `grant.error` event, and unexpected failures (`server_error`), see
 * oidc-provider docs/events.md.
 *
 * Reasons come from `@mythical/service-kit` `refusalReason`, the table the retail IdP uses too
 * (`client_auth.*` for client authentication in both). A record carries stable codes only —
 * never oidc-provider's or a library's prose, which can quote request input.
 */
import type { Provider } from 'oidc-provider'
import { refusalReason, traceIdOf } from '@mythical/service-kit'
import { FEDERATION_BOUNDARY } from './audit-sink.ts'
import type { AuditSink } from './audit-sink.ts'

/**
 * @example
 *   auditProviderEvents(provider, audit, audited)
 */
export function auditProviderEvents(
  provider: Provider,
  audit: AuditSink,
  alreadyAudited: WeakSet<Error>,
): void {
  provider.on('grant.error', (ctx, err) => {
    if (alreadyAudited.has(err)) return
    const clientId = ctx.oidc?.client?.clientId ?? claimedClientId(ctx.oidc?.params)
    audit.decision({
      traceId: traceIdOf(ctx.get('traceparent')),
      boundary: FEDERATION_BOUNDARY,
      route: 'POST /token',
      decision: 'deny',
      reason: refusalReason(err),
      client: clientId,
      oauthError: err.error,
    })
  })
  // An unexpected failure is still a refusal (fail closed) and must show up in the trust trace.
  provider.on('server_error', (ctx, _err) => {
    audit.decision({
      traceId: traceIdOf(ctx.get('traceparent')),
      boundary: FEDERATION_BOUNDARY,
      decision: 'deny',
      reason: 'oauth.server_error',
      route: ctx.oidc?.route,
    })
  })
}

/** The client id a failed request claimed (not authenticated): from `client_id` or the assertion. */
function claimedClientId(params: Record<string, unknown> | undefined): string | undefined {
  const claimed = params?.client_id
  return typeof claimed === 'string' ? claimed.slice(0, 200) : undefined
}
