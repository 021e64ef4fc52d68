/**
 * Server-side sessions in the web's own PostgreSQL database. The session's secrets (tokens, the
 * DPoP private key, the PKCE verifier while signing in) are sealed as a JWE (`dir`, A256GCM, jose)
 * with a key derived from the web's data key; the row holds only the hash of the session id, the
 * kind, the expiry and the ciphertext. A session row is read once per use and deleted on sign-out.
 */
import { CompactEncrypt, compactDecrypt } from 'jose'
import type { Pool } from 'pg'
import { derivePurposeKey, type DataKey } from '@mythical/service-kit'
import { sessionKey } from './session-cookie.ts'

/** `pending`: a sign-in in progress (state, PKCE verifier); `active`: a signed-in user. */
export type SessionKind = 'pending' | 'active'

export interface SessionStore {
  save(id: string, kind: SessionKind, data: unknown, expiresAt: Date): Promise<void>
  /** The session's data, or `expired` / `unknown`. Pending sessions are consumed (one use). */
  load(id: string, kind: SessionKind): Promise<{ data: unknown } | 'expired' | 'unknown'>
  remove(id: string): Promise<void>
}

const ENCRYPTION = { alg: 'dir', enc: 'A256GCM' } as const

/**
 * @example
 * const sessions = createSessionStore(pool, loadDataKey(secretsDir))
 * await sessions.save(id, 'active', { tokens }, expiresAt)
 */
export function createSessionStore(pool: Pool, dataKey: DataKey): SessionStore {
  const { key, kid } = derivePurposeKey(dataKey, 'web session sealing')
  const seal = (data: unknown, id: Buffer) =>
    new CompactEncrypt(new TextEncoder().encode(JSON.stringify(data)))
      // The hashed id is the additional data: a sealed blob moved to another row does not open.
      .setProtectedHeader({ ...ENCRYPTION, kid, sid: id.toString('base64url') })
      .encrypt(key)
  const open = async (sealed: string, id: Buffer) => {
    const { plaintext, protectedHeader } = await compactDecrypt(sealed, key, {
      keyManagementAlgorithms: [ENCRYPTION.alg],
      contentEncryptionAlgorithms: [ENCRYPTION.enc],
    })
    if (protectedHeader.sid !== id.toString('base64url')) throw new Error('sealed for another row')
    return JSON.parse(new TextDecoder().decode(plaintext)) as unknown
  }

  return {
    async save(id, kind, data, expiresAt) {
      const hashed = sessionKey(id)
      await pool.query(
        `INSERT INTO web_sessions (id_hash, kind, sealed, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id_hash) DO UPDATE SET sealed = EXCLUDED.sealed, expires_at = EXCLUDED.expires_at`,
        [hashed, kind, await seal(data, hashed), expiresAt],
      )
    },
    async load(id, kind) {
      const hashed = sessionKey(id)
      const query =
        kind === 'pending'
          ? 'DELETE FROM web_sessions WHERE id_hash = $1 AND kind = $2 RETURNING sealed, expires_at'
          : 'SELECT sealed, expires_at FROM web_sessions WHERE id_hash = $1 AND kind = $2'
      const { rows } = await pool.query<{ sealed: string; expires_at: Date }>(query, [hashed, kind])
      const row = rows[0]
      if (!row) return 'unknown'
      if (row.expires_at.getTime() <= Date.now()) {
        await this.remove(id)
        return 'expired'
      }
      return { data: await open(row.sealed, hashed) }
    },
    async remove(id) {
      await pool.query('DELETE FROM web_sessions WHERE id_hash = $1', [sessionKey(id)])
    },
  }
}
