/**
 * A {@link ReplayStore} (`@mythical/oauth`) on the IdP's `oidc_payloads` table: a used `jti`
 * (e.g. of a federated subject token) is remembered in PostgreSQL until it expires, so a replay is
 * refused after a restart and by every instance — unlike an in-memory store.
 *
 * One statement decides: the insert succeeds for a new key or one whose entry has expired, and
 * does nothing for a live one, so two concurrent uses can never both be the first.
 */
import type { ConsumeResult, ReplayStore } from '@mythical/oauth'
import type { Pool } from 'pg'

/** Options of {@link PostgresReplayStore}. */
export interface PostgresReplayStoreOptions {
  /** oidc_payloads `model` the keys are kept under, e.g. `FederatedSubjectToken`. */
  readonly model: string
}

/**
 * @example
 * ```ts
 * const replayStore = new PostgresReplayStore(pool, { model: 'FederatedSubjectToken' })
 * await replayStore.consume(`${iss}|${jti}`, exp) // 'first-use', then 'replayed'
 * ```
 */
export class PostgresReplayStore implements ReplayStore {
  readonly #pool: Pool
  readonly #model: string

  constructor(pool: Pool, options: PostgresReplayStoreOptions) {
    if (typeof options.model !== 'string' || options.model === '') {
      throw new TypeError('"model" option must be a non-empty string')
    }
    this.#pool = pool
    this.#model = options.model
  }

  async consume(key: string, expiresAt: number): Promise<ConsumeResult> {
    const { rowCount } = await this.#pool.query(
      `INSERT INTO oidc_payloads (model, id, payload, expires_at)
       VALUES ($1, $2, '{}', to_timestamp($3))
       ON CONFLICT (model, id) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE oidc_payloads.expires_at <= now()`,
      [this.#model, key, expiresAt],
    )
    return rowCount === 1 ? 'first-use' : 'replayed'
  }
}
