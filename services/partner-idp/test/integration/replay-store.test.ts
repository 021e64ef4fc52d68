/**
 * `@mythical/oidc-store`'s PostgresReplayStore on the partner IdP's own database, as its own role:
 * one statement decides, so concurrent uses of one `jti` have exactly one winner; an expired
 * entry frees its key; models are separate.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, test } from 'node:test'
import type { Pool } from 'pg'
import { createDatabasePool } from '@mythical/db'
import { PostgresReplayStore } from '@mythical/oidc-store'
import { stackPaths } from '@mythical/stack'

const paths = stackPaths()
let pool: Pool
const now = () => Math.floor(Date.now() / 1000)

before(() => {
  pool = createDatabasePool(paths.secrets('partner-idp'), { serverCaFile: paths.caCert('retail') })
})
after(() => pool.end())

test('twenty concurrent uses of one jti: exactly one is the first', async () => {
  const store = new PostgresReplayStore(pool, { model: 'TestReplay' })
  const key = `https://localhost:4000|${randomUUID()}`
  const results = await Promise.all(
    Array.from({ length: 20 }, () => store.consume(key, now() + 60)),
  )
  assert.equal(results.filter((result) => result === 'first-use').length, 1)
  assert.equal(results.filter((result) => result === 'replayed').length, 19)
})

test('an expired entry frees its key; a live one does not', async () => {
  const store = new PostgresReplayStore(pool, { model: 'TestReplay' })
  const key = randomUUID()
  assert.equal(await store.consume(key, now() - 1), 'first-use')
  assert.equal(await store.consume(key, now() + 60), 'first-use', 'the old entry had expired')
  assert.equal(await store.consume(key, now() + 60), 'replayed')
})

test('models are separate', async () => {
  const key = randomUUID()
  const subjects = new PostgresReplayStore(pool, { model: 'TestReplayA' })
  const others = new PostgresReplayStore(pool, { model: 'TestReplayB' })
  assert.equal(await subjects.consume(key, now() + 60), 'first-use')
  assert.equal(await others.consume(key, now() + 60), 'first-use')
})

test('a model name is required', () => {
  assert.throws(() => new PostgresReplayStore(pool, { model: '' }), {
    name: 'TypeError',
    message: '"model" option must be a non-empty string',
  })
})
