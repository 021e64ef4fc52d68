import type { Pool, PoolClient } from 'pg'

/**
 * Runs `fn` in one transaction on one pooled connection with the given `app.*` settings applied
 * via `set_config(…, is_local => true)`: they vanish at COMMIT/ROLLBACK, so a connection returned
 * to the pool never carries one request's scope into the next.
 */
export async function withSessionSettings<T>(
  pool: Pool,
  settings: Readonly<Record<string, string>>,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  let broken: Error | undefined
  try {
    await client.query('BEGIN')
    for (const [name, value] of Object.entries(settings)) {
      // Bound parameters: a customer id can never become SQL.
      await client.query('SELECT set_config($1, $2, true)', [name, value])
    }
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    try {
      await client.query('ROLLBACK')
    } catch (rollbackError) {
      // The connection is in an unknown state: destroy it rather than hand it to the next caller.
      broken = rollbackError as Error
    }
    throw err
  } finally {
    client.release(broken)
  }
}
