import type { Pool } from 'pg'
import { DatabaseUnavailable } from './errors.ts'

/** Default health-probe budget (ms). */
export const DEFAULT_CHECK_TIMEOUT_MS = 2000

/** Options of {@link checkDatabase}. */
export interface CheckDatabaseOptions {
  /** Budget for getting a connection and running the probe, in ms. Default is 2000. */
  timeoutMs?: number
}

/**
 * Readiness probe: runs `SELECT 1` through the pool within a short budget. It proves the whole
 * path a request takes: TLS handshake, certificate verification, certificate login (DN mapped to
 * the role), `CONNECT` privilege.
 *
 * @example
 * ```ts
 * app.get('/readyz', async () => { await checkDatabase(pool); return { ok: true } })
 * ```
 *
 * @throws `DatabaseUnavailable` (with the driver or server error as `cause`) when the probe fails or
 *   takes longer than `timeoutMs`.
 */
export async function checkDatabase(pool: Pool, opts: CheckDatabaseOptions = {}): Promise<void> {
  const { timeoutMs = DEFAULT_CHECK_TIMEOUT_MS } = opts
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new TypeError('"timeoutMs" option must be a positive integer')
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DatabaseUnavailable(`database did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    )
  })
  try {
    await Promise.race([pool.query('SELECT 1'), timeout])
  } catch (cause) {
    if (cause instanceof DatabaseUnavailable) throw cause
    throw new DatabaseUnavailable(`database probe failed: ${(cause as Error).message}`, { cause })
  } finally {
    clearTimeout(timer)
  }
}
