/**
 * oidc-provider storage adapter on PostgreSQL (table `oidc_payloads`, created by each IdP's own
 * migrations in its own database): sessions, grants, codes, tokens, PAR requests, interactions and
 * replay-detection entries (client assertion `jti`s) survive an IdP restart and are shared by
 * every instance of that IdP.
 *
 * - expiry is enforced on read (`expires_at > now()`), so an expired artifact is never returned
 *   even before the purge removes it;
 * - `consume` stamps `consumed_at` and `find` reports it as `consumed`, which is how
 *   oidc-provider detects a replayed authorization code or refresh token;
 * - `revokeByGrantId` deletes every artifact of a grant (used when a code is replayed).
 */
import type { Adapter, AdapterPayload } from 'oidc-provider'
import type { Pool } from 'pg'

/** How often (at most) an upsert also purges expired rows. */
const PURGE_INTERVAL_MS = 60_000

interface PayloadRow {
  payload: AdapterPayload
  consumed_at: Date | null
}

/**
 * Create the adapter factory oidc-provider calls once per model name.
 *
 * @example
 * ```ts
 * new Provider(issuer, { adapter: postgresAdapter(pool), … })
 * ```
 */
export function postgresAdapter(pool: Pool): new (model: string) => Adapter {
  let lastPurge = 0
  const purgeExpired = async () => {
    if (Date.now() - lastPurge < PURGE_INTERVAL_MS) return
    lastPurge = Date.now()
    await pool.query('DELETE FROM oidc_payloads WHERE expires_at < now()')
  }

  const findWhere = async (model: string, column: 'id' | 'uid' | 'user_code', value: string) => {
    const { rows } = await pool.query<PayloadRow>(
      `SELECT payload, consumed_at FROM oidc_payloads
       WHERE model = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > now())`,
      [model, value],
    )
    const row = rows[0]
    if (!row) return undefined
    return row.consumed_at
      ? { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) }
      : row.payload
  }

  return class PostgresAdapter implements Adapter {
    readonly model: string
    constructor(model: string) {
      this.model = model
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null
      await pool.query(
        `INSERT INTO oidc_payloads (model, id, payload, grant_id, user_code, uid, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload,
           grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code, uid = EXCLUDED.uid,
           expires_at = EXCLUDED.expires_at`,
        [
          this.model,
          id,
          payload,
          payload.grantId ?? null,
          payload.userCode ?? null,
          payload.uid ?? null,
          expiresAt,
        ],
      )
      await purgeExpired()
    }

    find(id: string) {
      return findWhere(this.model, 'id', id)
    }

    findByUid(uid: string) {
      return findWhere(this.model, 'uid', uid)
    }

    findByUserCode(userCode: string) {
      return findWhere(this.model, 'user_code', userCode)
    }

    async consume(id: string): Promise<void> {
      await pool.query(
        'UPDATE oidc_payloads SET consumed_at = now() WHERE model = $1 AND id = $2',
        [this.model, id],
      )
    }

    async destroy(id: string): Promise<void> {
      await pool.query('DELETE FROM oidc_payloads WHERE model = $1 AND id = $2', [this.model, id])
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await pool.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId])
    }
  }
}
