/**
 * The oidc-provider adapter on the stack's PostgreSQL, as the IdP's own role: upsert/find,
 * expiry enforced on read, consumption visible to the provider, lookups by uid and user code,
 * and revocation of every artifact of a grant.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Pool } from 'pg'
import { createDatabasePool } from '@mythical/db'
import { postgresAdapter } from '@mythical/oidc-store'
import { requireStack, paths } from '@mythical/testing'

let pool: Pool
const id = () => `test-${randomBytes(8).toString('hex')}`

before(async () => {
  requireStack()
  pool = createDatabasePool(paths.secrets('idp'))
})
after(() => pool.end())

test('a payload round-trips and is consumed exactly as stored', async () => {
  const Adapter = postgresAdapter(pool)
  const codes = new Adapter('AuthorizationCode')
  const key = id()
  await codes.upsert(key, { accountId: 'katie', grantId: 'g1', kind: 'AuthorizationCode' }, 60)
  assert.deepEqual(await codes.find(key), {
    accountId: 'katie',
    grantId: 'g1',
    kind: 'AuthorizationCode',
  })
  await codes.consume(key)
  const consumed = await codes.find(key)
  assert.equal(typeof consumed?.consumed, 'number')
  assert.equal(await new Adapter('AccessToken').find(key), undefined, 'models are separate')
  await codes.destroy(key)
  assert.equal(await codes.find(key), undefined)
})

test('an expired payload is never returned', async () => {
  const sessions = new (postgresAdapter(pool))('Session')
  const key = id()
  await sessions.upsert(key, { uid: key, accountId: 'katie' }, 1)
  assert.ok(await sessions.findByUid(key))
  await sleep(1100)
  assert.equal(await sessions.find(key), undefined)
  assert.equal(await sessions.findByUid(key), undefined)
})

test('lookups by user code and revocation by grant id', async () => {
  const Adapter = postgresAdapter(pool)
  const grantId = id()
  const device = new Adapter('DeviceCode')
  const tokens = new Adapter('AccessToken')
  const [d, t] = [id(), id()]
  await device.upsert(d, { userCode: `U-${d}`, grantId }, 60)
  await tokens.upsert(t, { grantId, accountId: 'katie' }, 60)
  assert.equal((await device.findByUserCode(`U-${d}`))?.grantId, grantId)
  await tokens.revokeByGrantId(grantId)
  assert.equal(await tokens.find(t), undefined)
  assert.equal(await device.find(d), undefined)
})
