/**
 * Sam cannot sign in without his second factor — the IdP asks every enrolled account for TOTP —
 * so the browser specs make his *token* weaker instead: in the IdP's own store (`oidc_payloads`,
 * read by its adapter on every introspection), the claims of his freshest `web-staff` access
 * tokens are rewritten as a password-only sign-in would have issued them, or without the
 * `sales-associate` group. The web, the gateway and shop-assistant-api are untouched: they see
 * such a token exactly as they would see a real one. Only tokens issued since `since` change, so
 * the stored persona sessions keep their MFA tokens.
 */
import { stackPaths } from '@mythical/stack'
import { resolveAdmin } from '@mythical/infra/postgres/admin-target'
import { connectAdmin } from '@mythical/infra/postgres/connect-admin'
import { postgresLayout } from '@mythical/infra/postgres/layout'

const IDP_DATABASE = 'identity'

/** What to take away from the token. */
export type Weakening = 'password-only' | 'no-role'

const PATCH: Record<Weakening, string> = {
  'password-only': `jsonb_set(jsonb_set(payload, '{extra,acr}', '"urn:mythical:acr:pwd"'), '{extra,amr}', '["pwd"]')`,
  'no-role': `jsonb_set(payload, '{extra,groups}', '[]')`,
}

/**
 * Rewrites Sam's `web-staff` access tokens issued at or after `since`; returns how many.
 *
 * @example await weakenStaffTokens('password-only', startedAt)
 */
export async function weakenStaffTokens(how: Weakening, since: Date): Promise<number> {
  const layout = postgresLayout(stackPaths())
  const client = await connectAdmin(layout, await resolveAdmin(layout), IDP_DATABASE)
  try {
    const { rowCount } = await client.query(
      `UPDATE oidc_payloads SET payload = ${PATCH[how]}
        WHERE model = 'AccessToken'
          AND payload->>'accountId' = 'sam'
          AND payload->>'clientId' = 'web-staff'
          AND (payload->>'iat')::bigint >= $1
          AND expires_at > now()`,
      [Math.floor(since.getTime() / 1000)],
    )
    return rowCount ?? 0
  } finally {
    await client.end()
  }
}
