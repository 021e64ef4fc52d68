import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Pool } from 'pg'
import { checkDatabase } from '../src/index.ts'

const poolAnswering = (query: (...args: unknown[]) => Promise<unknown>) =>
  ({ query }) as unknown as Pool

describe('checkDatabase', () => {
  it('resolves when SELECT 1 answers', async () => {
    const seen: string[] = []
    await checkDatabase(
      poolAnswering(async (...args: unknown[]) => {
        seen.push(String(args[0]))
        return { rows: [{ '?column?': 1 }] }
      }),
    )
    assert.deepEqual(seen, ['SELECT 1'])
  })

  it('reports ERR_DB_UNAVAILABLE with the cause when the query fails', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:55432'), {
      code: 'ECONNREFUSED',
    })
    await assert.rejects(
      checkDatabase(poolAnswering(() => Promise.reject(refused))),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_DB_UNAVAILABLE')
        assert.equal(error.message, 'database probe failed: connect ECONNREFUSED 127.0.0.1:55432')
        assert.equal(error.cause, refused)
        return true
      },
    )
  })

  it('reports ERR_DB_UNAVAILABLE when the database does not answer in time', async () => {
    await assert.rejects(
      checkDatabase(
        poolAnswering(() => new Promise(() => undefined)),
        { timeoutMs: 20 },
      ),
      { code: 'ERR_DB_UNAVAILABLE', message: 'database did not answer within 20 ms' },
    )
  })

  it('refuses a bad timeout', async () => {
    await assert.rejects(
      checkDatabase(
        poolAnswering(async () => ({})),
        { timeoutMs: 0 },
      ),
      { name: 'TypeError', message: '"timeoutMs" option must be a positive integer' },
    )
  })
})
