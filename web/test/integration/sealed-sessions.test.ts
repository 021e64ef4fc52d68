/**
 * The BFF's session store on the real PostgreSQL database `web` (its own role, certificate login
 * over TLS): tokens are sealed at rest (the row holds neither the session id nor any token in
 * clear), a pending sign-in opens once, an expired session is refused and removed, and a sealed
 * blob copied to another row does not open.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createDatabasePool } from '@mythical/db'
import { loadDataKey } from '@mythical/service-kit'
import { stackPaths } from '@mythical/stack'
import { requireStack } from '@mythical/testing'
import type { Pool } from 'pg'
import { createSessionStore, type SessionStore } from '../../src/bff/sealed-sessions.ts'
import { newSessionId, sessionKey } from '../../src/bff/session-cookie.ts'

const TOKEN = 'opaque-access-token-that-must-not-be-stored-in-clear'
const later = () => new Date(Date.now() + 60_000)

describe('sealed BFF sessions in PostgreSQL', () => {
  let pool: Pool
  let sessions: SessionStore
  before(() => {
    requireStack('web')
    const secrets = stackPaths().secrets('web')
    pool = createDatabasePool(secrets)
    sessions = createSessionStore(pool, loadDataKey(secrets))
  })
  after(() => pool.end())

  test('an active session round-trips; the row holds no id and no token in clear', async () => {
    const id = newSessionId()
    await sessions.save(id, 'active', { accessToken: TOKEN }, later())
    assert.deepEqual(await sessions.load(id, 'active'), { data: { accessToken: TOKEN } })
    const { rows } = await pool.query<{ sealed: string; id_hash: Buffer }>(
      'SELECT sealed, id_hash FROM web_sessions WHERE id_hash = $1',
      [sessionKey(id)],
    )
    assert.equal(rows.length, 1)
    assert.doesNotMatch(rows[0]?.sealed ?? '', new RegExp(TOKEN))
    assert.doesNotMatch(rows[0]?.sealed ?? '', new RegExp(id))
    await sessions.remove(id)
    assert.equal(await sessions.load(id, 'active'), 'unknown')
  })

  test('a pending sign-in opens once', async () => {
    const id = newSessionId()
    await sessions.save(id, 'pending', { state: 's' }, later())
    assert.deepEqual(await sessions.load(id, 'pending'), { data: { state: 's' } })
    assert.equal(await sessions.load(id, 'pending'), 'unknown')
  })

  test('an expired session is refused and removed', async () => {
    const id = newSessionId()
    await sessions.save(id, 'active', { accessToken: TOKEN }, new Date(Date.now() - 1000))
    assert.equal(await sessions.load(id, 'active'), 'expired')
    assert.equal(await sessions.load(id, 'active'), 'unknown')
  })

  test('a sealed blob copied into another session row does not open', async () => {
    const victim = newSessionId()
    const attacker = newSessionId()
    await sessions.save(victim, 'active', { accessToken: TOKEN }, later())
    await sessions.save(attacker, 'active', { accessToken: 'mine' }, later())
    await pool.query(
      'UPDATE web_sessions SET sealed = (SELECT sealed FROM web_sessions WHERE id_hash = $1) WHERE id_hash = $2',
      [sessionKey(victim), sessionKey(attacker)],
    )
    await assert.rejects(sessions.load(attacker, 'active'))
    await sessions.remove(victim)
    await sessions.remove(attacker)
  })
})
