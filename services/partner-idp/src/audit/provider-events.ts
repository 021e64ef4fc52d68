/**
 * Audits token-endpoint refusals that happen inside oidc-provider before the federation grant
 * runs — above all failed client authentication (unknown client, wrong key, expired or replayed
 * assertion) — using its `grant.error` event, and unexpected failures (`server_error`), see
 * oidc-provider docs/events.md.
 */
import type { Provider } from 'oidc-provider'
import { FEDERATION_BOUNDARY, traceIdOf } from './audit-sink.ts'
import type { AuditSink } from './audit-sink.ts'

/** OAuth error → audit reason for refusals the provider itself raises. */
const REASONS: Readonly<Record<string, string>> = {
  invalid_client: 'client.authentication_failed',
  unauthorized_client: 'client.grant_not_allowed',
  unsupported_grant_type: 'oauth.unsupported_grant_type',
  invalid_request: 'oauth.invalid_request',
}

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
      action: 'oauth.token_request',
      decision: 'deny',
      reason: REASONS[err.error] ?? `oauth.${err.error}`,
      ...(clientId ? { clientId } : {}),
      // error_detail is oidc-provider's server-side explanation (e.g. which assertion check failed).
      detail: err.error_detail ?? err.error_description ?? err.message,
    })
  })
  // An unexpected failure is still a refusal (fail closed) and must show up in the trust trace.
  provider.on('server_error', (ctx, err) => {
    audit.decision({
      traceId: traceIdOf(ctx.get('traceparent')),
      boundary: FEDERATION_BOUNDARY,
      action: 'oauth.request',
      decision: 'deny',
      reason: 'oauth.server_error',
      route: ctx.oidc?.route,
      detail: err.name,
    })
  })
}

/** The client id a failed request claimed (not authenticated): from `client_id` or the assertion. */
function claimedClientId(params: Record<string, unknown> | undefined): string | undefined {
  const claimed = params?.client_id
  return typeof claimed === 'string' ? claimed.slice(0, 200) : undefined
}
