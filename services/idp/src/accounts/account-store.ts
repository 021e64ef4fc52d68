/**
 * Data access for accounts, groups and credentials in the `identity` database. Only this file
 * (and `throttle-store.ts` for the sign-in counters) writes SQL against the identity tables;
 * callers get plain typed records.
 */
import type { Pool } from 'pg'

/** An account as the IdP sees it (the password hash and sealed TOTP secret stay opaque strings). */
export interface AccountRecord {
  readonly id: string
  readonly username: string
  readonly displayName: string
  readonly email: string | undefined
  readonly passwordHash: string
  readonly sealedTotpSecret: string | undefined
  readonly totpLastTimeStep: number | undefined
  readonly groups: readonly string[]
}

interface AccountRow {
  id: string
  username: string
  display_name: string
  email: string | null
  password_hash: string
  totp_secret: string | null
  totp_last_time_step: string | null
  groups: string[] | null
}

const SELECT_ACCOUNT = `
  SELECT a.*, array_remove(array_agg(g.group_name ORDER BY g.group_name), NULL) AS groups
  FROM accounts a LEFT JOIN account_groups g ON g.account_id = a.id`

function toRecord(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email ?? undefined,
    passwordHash: row.password_hash,
    sealedTotpSecret: row.totp_secret ?? undefined,
    totpLastTimeStep:
      row.totp_last_time_step === null ? undefined : Number(row.totp_last_time_step),
    groups: row.groups ?? [],
  }
}

/** New account data for {@link AccountStore.upsertAccount}. */
export interface NewAccount {
  id: string
  username: string
  displayName: string
  email?: string
  passwordHash: string
  sealedTotpSecret?: string
  groups: readonly string[]
}

/** Queries over the identity store. */
export interface AccountStore {
  findById(id: string): Promise<AccountRecord | undefined>
  findByUsername(username: string): Promise<AccountRecord | undefined>
  /** Replace the password hash if it is still `from` (compare-and-swap: a rehash on sign-in
   * never overwrites a password changed meanwhile). */
  upgradePasswordHash(id: string, from: string, to: string): Promise<boolean>
  /** Remember the last accepted TOTP time step (replay protection); refuses going backwards. */
  recordTotpStep(id: string, timeStep: number): Promise<boolean>
  upsertGroup(name: string, description: string): Promise<void>
  /** Create the account unless one with this id exists (seeding is idempotent). */
  insertAccountIfMissing(account: NewAccount): Promise<boolean>
  /** Store a newly sealed TOTP secret; the replay guard restarts with it. */
  replaceTotpSecret(id: string, sealedTotpSecret: string): Promise<void>
  /** TOTP secrets still sealed in the retired `v1.` format (see `reseal-secrets.ts`). */
  listLegacySealedSecrets(): Promise<{ id: string; sealed: string }[]>
  /** Re-seal the same secret (compare-and-swap); the replay guard is kept. */
  swapSealedTotpSecret(id: string, from: string, to: string): Promise<boolean>
}

/**
 * Build the store over a pool connected as the IdP's own role.
 *
 * @example
 * ```ts
 * const store = createAccountStore(createDatabasePool(config.secretsDir))
 * const katie = await store.findByUsername('katie')
 * ```
 */
export function createAccountStore(pool: Pool): AccountStore {
  const one = async (where: string, value: string) => {
    const { rows } = await pool.query<AccountRow>(
      `${SELECT_ACCOUNT} WHERE ${where} GROUP BY a.id`,
      [value],
    )
    return rows[0] ? toRecord(rows[0]) : undefined
  }
  return {
    findById: (id) => one('a.id = $1', id),
    findByUsername: (username) => one('a.username = $1', username),
    async upgradePasswordHash(id, from, to) {
      const { rowCount } = await pool.query(
        'UPDATE accounts SET password_hash = $3 WHERE id = $1 AND password_hash = $2',
        [id, from, to],
      )
      return rowCount === 1
    },
    async recordTotpStep(id, timeStep) {
      // Conditional update: two concurrent submissions of one code cannot both win.
      const { rowCount } = await pool.query(
        `UPDATE accounts SET totp_last_time_step = $2
         WHERE id = $1 AND (totp_last_time_step IS NULL OR totp_last_time_step < $2)`,
        [id, timeStep],
      )
      return rowCount === 1
    },
    async replaceTotpSecret(id, sealedTotpSecret) {
      await pool.query(
        'UPDATE accounts SET totp_secret = $2, totp_last_time_step = NULL WHERE id = $1',
        [id, sealedTotpSecret],
      )
    },
    async listLegacySealedSecrets() {
      const { rows } = await pool.query<{ id: string; totp_secret: string }>(
        "SELECT id, totp_secret FROM accounts WHERE totp_secret LIKE 'v1.%'",
      )
      return rows.map((r) => ({ id: r.id, sealed: r.totp_secret }))
    },
    async swapSealedTotpSecret(id, from, to) {
      const { rowCount } = await pool.query(
        'UPDATE accounts SET totp_secret = $3 WHERE id = $1 AND totp_secret = $2',
        [id, from, to],
      )
      return rowCount === 1
    },
    async upsertGroup(name, description) {
      await pool.query(
        'INSERT INTO groups (name, description) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING',
        [name, description],
      )
    },
    async insertAccountIfMissing(a) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const { rowCount } = await client.query(
          `INSERT INTO accounts (id, username, display_name, email, password_hash, totp_secret)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
          [
            a.id,
            a.username,
            a.displayName,
            a.email ?? null,
            a.passwordHash,
            a.sealedTotpSecret ?? null,
          ],
        )
        if (rowCount === 1) {
          for (const group of a.groups) {
            await client.query(
              'INSERT INTO account_groups (account_id, group_name) VALUES ($1, $2)',
              [a.id, group],
            )
          }
        }
        await client.query('COMMIT')
        return rowCount === 1
      } catch (err) {
        await client.query('ROLLBACK')
        throw err
      } finally {
        client.release()
      }
    },
  }
}
