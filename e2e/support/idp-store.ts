/**
 * The passing of time, for tokens whose lifetime is longer than the suite: the IdP's own store
 * (`oidc_payloads` in the `identity` database, read by its adapter only while
 * `expires_at > now()`) is told that a token's time is up, exactly as ten minutes would. The
 * token itself, the IdP and the gateway are untouched; the operator's superuser session is the
 * one `pnpm stack:up` provisions with.
 */
import { stackPaths } from '@mythical/stack'
import { resolveAdmin } from '@mythical/infra/postgres/admin-target'
import { connectAdmin } from '@mythical/infra/postgres/connect-admin'
import { postgresLayout } from '@mythical/infra/postgres/layout'

const IDP_DATABASE = 'identity'

/** Moves an opaque access token's expiry one second into the past at the IdP. */
export async function expireAtIdp(accessToken: string): Promise<void> {
  const layout = postgresLayout(stackPaths())
  const client = await connectAdmin(layout, await resolveAdmin(layout), IDP_DATABASE)
  try {
    const { rowCount } = await client.query(
      `UPDATE oidc_payloads
          SET expires_at = now() - interval '1 second',
              payload = jsonb_set(payload, '{exp}', to_jsonb(floor(extract(epoch FROM now()))::int - 1))
        WHERE model = 'AccessToken' AND id = $1`,
      [accessToken],
    )
    if (rowCount !== 1) throw new Error('the IdP has no such access token')
  } finally {
    await client.end()
  }
}
