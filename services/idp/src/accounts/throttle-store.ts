/**
 * The sign-in counters of `sign-in-throttle.ts` in PostgreSQL (`sign_in_throttle`), shared by
 * every IdP instance. A reservation is one transaction that locks the attempt's counter rows
 * (`SELECT … FOR UPDATE`, in key order so two attempts cannot deadlock), decides, and writes the
 * new counts: concurrent attempts on the same counters queue behind each other, so the check and
 * the count are one atomic step.
 */
import type { Pool } from 'pg'
import { reserveAttempt } from './sign-in-throttle.ts'
import type { Reservation, ThrottleKey, ThrottleState } from './sign-in-throttle.ts'

/** Expired counters are deleted at most this often (by whichever reservation comes next). */
const PURGE_INTERVAL_MS = 5 * 60_000

/** Sign-in counters. */
export interface ThrottleStore {
  /** Refuse while any of `keys` blocks; otherwise count one attempt on each, atomically. */
  reserve(keys: readonly ThrottleKey[], now: Date): Promise<Reservation>
  /** Forget the counters after a successful factor. */
  clear(keys: readonly ThrottleKey[]): Promise<void>
}

interface ThrottleRow {
  id: string
  failures: number
  blocked_until: Date | null
  expires_at: Date
}

/**
 * @example
 * ```ts
 * const throttle = createThrottleStore(pool)
 * const r = await throttle.reserve(throttleKeys(key, 'password', 'katie', '192.0.2.1'), new Date())
 * ```
 */
export function createThrottleStore(pool: Pool): ThrottleStore {
  let lastPurge = 0
  const purge = async (now: Date) => {
    if (now.getTime() - lastPurge < PURGE_INTERVAL_MS) return
    lastPurge = now.getTime()
    await pool.query('DELETE FROM sign_in_throttle WHERE expires_at < $1', [now])
  }
  return {
    async reserve(keys, now) {
      const ids = keys.map((k) => k.id)
      const client = await pool.connect()
      let reservation: Reservation
      try {
        await client.query('BEGIN')
        // A placeholder that is already expired makes every counter a row that can be locked.
        await client.query(
          `INSERT INTO sign_in_throttle (id, failures, expires_at)
           SELECT id, 0, $2 FROM unnest($1::text[]) AS k(id) ORDER BY id
           ON CONFLICT (id) DO NOTHING`,
          [ids, now],
        )
        const { rows } = await client.query<ThrottleRow>(
          `SELECT id, failures, blocked_until, expires_at FROM sign_in_throttle
           WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
          [ids],
        )
        const byId = new Map(rows.map((r) => [r.id, r]))
        const states = ids.map((id): ThrottleState | undefined => {
          const row = byId.get(id)
          return row
            ? {
                failures: row.failures,
                blockedUntil: row.blocked_until ?? undefined,
                expiresAt: row.expires_at,
              }
            : undefined
        })
        reservation = reserveAttempt(keys, states, now)
        if (reservation.granted) {
          const next = reservation.next
          await client.query(
            `UPDATE sign_in_throttle AS t
             SET failures = v.failures, blocked_until = v.blocked_until, expires_at = v.expires_at
             FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::timestamptz[])
               AS v(id, failures, blocked_until, expires_at)
             WHERE t.id = v.id`,
            [
              ids,
              next.map((s) => s.failures),
              next.map((s) => s.blockedUntil ?? null),
              next.map((s) => s.expiresAt),
            ],
          )
        }
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK')
        throw err
      } finally {
        client.release()
      }
      await purge(now)
      return reservation
    },
    async clear(keys) {
      await pool.query('DELETE FROM sign_in_throttle WHERE id = ANY($1::text[])', [
        keys.map((k) => k.id),
      ])
    },
  }
}
