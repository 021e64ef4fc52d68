/**
 * The inbox batcher's transaction script, against an in-memory stand-in of one PostgreSQL session
 * (inbox primary key, savepoints, commit). The real database is exercised by the services'
 * consumer integration tests and `infra/test/integration/rabbitmq/broker-restart.test.ts`.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type pg from 'pg'
import { databaseOnlyEffect } from '../src/database-only-effect.ts'
import { createInboxBatcher } from '../src/inbox-batch.ts'
import type { InboxEffect } from '../src/inbox-batch.ts'
import type { VerifiedEvent } from '../src/index.ts'

const eventOf = (id: string): VerifiedEvent => ({
  id,
  type: 'order.placed',
  issuer: 'spiffe://retail.mythical.example/order-fulfillment-api',
  audience: 'retail',
  issuedAt: 0,
  data: {},
})

/** One session's view: committed inbox ids and effects, the open transaction's, one savepoint. */
function inMemoryDatabase(options: { failCommit?: boolean } = {}) {
  const committed = { inbox: new Set<string>(), effects: [] as string[] }
  let tx = { inbox: new Set<string>(), effects: [] as string[] }
  const savepoints = new Map<string, typeof tx>()
  const copy = (s: typeof tx) => ({ inbox: new Set(s.inbox), effects: [...s.effects] })
  const statements: string[] = []
  const client = {
    escapeLiteral: (s: string) => `'${s.replaceAll("'", "''")}'`,
    release() {},
    query(text: string) {
      statements.push(text)
      const results = text.split(';').map((raw) => {
        const sql = raw.trim()
        if (sql === 'BEGIN') tx = { inbox: new Set(committed.inbox), effects: [] }
        else if (sql.startsWith('SAVEPOINT ')) savepoints.set(sql.slice(10), copy(tx))
        else if (sql.startsWith('ROLLBACK TO SAVEPOINT ')) {
          const savepoint = savepoints.get(sql.slice(22))
          if (!savepoint) return Promise.reject(new Error('no such savepoint'))
          tx = copy(savepoint)
        } else if (sql === 'COMMIT') {
          if (options.failCommit) return Promise.reject(new Error('connection lost'))
          committed.inbox = tx.inbox
          committed.effects.push(...tx.effects)
          return { command: 'COMMIT', rowCount: null }
        } else if (sql === 'ROLLBACK') {
          tx = { inbox: new Set(committed.inbox), effects: [] }
        } else if (sql.startsWith('INSERT INTO inbox (message_id)\n   SELECT unnest')) {
          const ids = [...sql.matchAll(/'((?:[^']|'')*)'/g)].map((m) =>
            (m[1] ?? '').replaceAll("''", "'"),
          )
          if (ids.includes('')) return Promise.reject(new Error('inbox_message_id_check'))
          const rows = ids.filter((id) => !tx.inbox.has(id) && tx.inbox.add(id))
          return {
            command: 'INSERT',
            rowCount: rows.length,
            rows: rows.map((message_id) => ({ message_id })),
          }
        } else if (sql.startsWith('INSERT INTO inbox')) {
          const id = (/VALUES \('(.*)'\)/.exec(sql)?.[1] ?? '').replaceAll("''", "'")
          if (id === '') return Promise.reject(new Error('inbox_message_id_check'))
          if (tx.inbox.has(id)) return { command: 'INSERT', rowCount: 0 }
          tx.inbox.add(id)
          return { command: 'INSERT', rowCount: 1 }
        }
        return { command: sql.split(' ')[0], rowCount: null }
      })
      const failed = results.find((r) => r instanceof Promise)
      if (failed) return failed
      return Promise.resolve(results.length === 1 ? results[0] : results)
    },
  }
  const pool = { connect: () => Promise.resolve(client) } as unknown as pg.Pool
  const effectOf = (fail: ReadonlySet<string>): InboxEffect => {
    return (event) => {
      if (fail.has(event.id)) return Promise.reject(new Error(`effect of ${event.id} failed`))
      tx.effects.push(event.id)
      return Promise.resolve()
    }
  }
  return { pool, committed, statements, effectOf }
}

const settle = (p: Promise<string>) =>
  p.then(
    (outcome) => outcome,
    (error: unknown) => `failed: ${(error as Error).message}`,
  )

describe('inbox batcher', () => {
  test('events given in one turn share one transaction: one BEGIN, one round trip each, one COMMIT', async () => {
    const db = inMemoryDatabase()
    const inbox = createInboxBatcher(db.pool, db.effectOf(new Set()), 16)
    const outcomes = await Promise.all(['a', 'b', 'c'].map((id) => inbox.apply(eventOf(id))))
    assert.deepEqual(outcomes, ['event.processed', 'event.processed', 'event.processed'])
    assert.deepEqual(db.committed.effects, ['a', 'b', 'c'])
    assert.equal(db.statements.length, 4)
    assert.equal(db.statements.filter((s) => s.includes('BEGIN')).length, 1)
    assert.equal(db.statements.at(-1), 'COMMIT')
  })

  test('a failing effect rolls back its own effect and inbox row only; the others commit', async () => {
    const db = inMemoryDatabase()
    const inbox = createInboxBatcher(db.pool, db.effectOf(new Set(['b'])), 16)
    const outcomes = await Promise.all(
      ['a', 'b', 'c'].map((id) => settle(inbox.apply(eventOf(id)))),
    )
    assert.deepEqual(outcomes, ['event.processed', 'failed: effect of b failed', 'event.processed'])
    assert.deepEqual(db.committed.effects, ['a', 'c'])
    assert.deepEqual([...db.committed.inbox].sort(), ['a', 'c'])
  })

  test('an event whose inbox insert fails (empty id) fails alone; the others commit', async () => {
    const db = inMemoryDatabase()
    const inbox = createInboxBatcher(db.pool, db.effectOf(new Set()), 16)
    const outcomes = await Promise.all(['a', '', 'c'].map((id) => settle(inbox.apply(eventOf(id)))))
    assert.deepEqual(outcomes, [
      'event.processed',
      'failed: inbox_message_id_check',
      'event.processed',
    ])
    assert.deepEqual(db.committed.effects, ['a', 'c'])
  })

  test('a duplicate within the batch and one already in the inbox have no effect', async () => {
    const db = inMemoryDatabase()
    const inbox = createInboxBatcher(db.pool, db.effectOf(new Set()), 16)
    await inbox.apply(eventOf('old'))
    const outcomes = await Promise.all(['x', 'old', 'x'].map((id) => inbox.apply(eventOf(id))))
    assert.deepEqual(outcomes, ['event.processed', 'event.duplicate', 'event.duplicate'])
    assert.deepEqual(db.committed.effects, ['old', 'x'])
  })

  test('a duplicate of an event whose effect failed in the same batch is applied once', async () => {
    let calls = 0
    const db = inMemoryDatabase()
    const inbox = createInboxBatcher(
      db.pool,
      (event, client) =>
        ++calls === 1 ? Promise.reject(new Error('once')) : db.effectOf(new Set())(event, client),
      16,
    )
    const outcomes = await Promise.all(['y', 'y'].map((id) => settle(inbox.apply(eventOf(id)))))
    assert.deepEqual(outcomes, ['failed: once', 'event.processed'])
    assert.deepEqual(db.committed.effects, ['y'])
  })

  test('a batch that cannot commit rejects every event in it, nothing committed', async () => {
    const db = inMemoryDatabase({ failCommit: true })
    const inbox = createInboxBatcher(db.pool, db.effectOf(new Set()), 16)
    const outcomes = await Promise.all(['a', 'b'].map((id) => settle(inbox.apply(eventOf(id)))))
    assert.deepEqual(outcomes, ['failed: connection lost', 'failed: connection lost'])
    assert.deepEqual(db.committed.effects, [])
    assert.equal(db.committed.inbox.size, 0)
  })

  test('the limit bounds a batch: 5 events with limit 2 take 3 transactions', async () => {
    const db = inMemoryDatabase()
    const inbox = createInboxBatcher(db.pool, db.effectOf(new Set()), 2)
    await Promise.all(['1', '2', '3', '4', '5'].map((id) => inbox.apply(eventOf(id))))
    assert.equal(db.statements.filter((s) => s === 'COMMIT').length, 3)
    assert.deepEqual(db.committed.effects, ['1', '2', '3', '4', '5'])
  })

  test('the id goes in as a quoted literal', async () => {
    const db = inMemoryDatabase()
    const inbox = createInboxBatcher(db.pool, db.effectOf(new Set()), 16)
    assert.equal(await inbox.apply(eventOf("o'brien")), 'event.processed')
    assert.match(db.statements[0] ?? '', /VALUES \('o''brien'\)/)
    assert.deepEqual([...db.committed.inbox], ["o'brien"])
  })
})

describe('inbox batcher, database-only effect (one statement per batch)', () => {
  const batcher = (db: ReturnType<typeof inMemoryDatabase>, fail = new Set<string>(), limit = 16) =>
    createInboxBatcher(db.pool, databaseOnlyEffect(db.effectOf(fail)), limit)

  test('a batch is two round trips: BEGIN with one multi-row inbox insert, then COMMIT', async () => {
    const db = inMemoryDatabase()
    const inbox = batcher(db)
    const outcomes = await Promise.all(['a', 'b', 'c'].map((id) => inbox.apply(eventOf(id))))
    assert.deepEqual(outcomes, ['event.processed', 'event.processed', 'event.processed'])
    assert.deepEqual(db.committed.effects, ['a', 'b', 'c'])
    assert.equal(db.statements.length, 2)
    assert.match(
      db.statements[0] ?? '',
      /^BEGIN; INSERT INTO inbox .*unnest\(ARRAY\['a', 'b', 'c'\]/s,
    )
    assert.equal(db.statements[1], 'COMMIT')
  })

  test('copies already in the inbox and repeated within the batch have no effect', async () => {
    const db = inMemoryDatabase()
    const inbox = batcher(db)
    await inbox.apply(eventOf('old'))
    const outcomes = await Promise.all(['x', 'old', 'x'].map((id) => inbox.apply(eventOf(id))))
    assert.deepEqual(outcomes, ['event.processed', 'event.duplicate', 'event.duplicate'])
    assert.deepEqual(db.committed.effects, ['old', 'x'])
    assert.equal(db.statements.filter((s) => s.includes('SAVEPOINT')).length, 0)
  })

  test('a poison effect: the batch rolls back, is replayed with savepoints, and fails alone', async () => {
    const db = inMemoryDatabase()
    const inbox = batcher(db, new Set(['b']))
    const outcomes = await Promise.all(
      ['a', 'b', 'c'].map((id) => settle(inbox.apply(eventOf(id)))),
    )
    assert.deepEqual(outcomes, ['event.processed', 'failed: effect of b failed', 'event.processed'])
    assert.deepEqual(db.committed.effects, ['a', 'c'])
    assert.deepEqual([...db.committed.inbox].sort(), ['a', 'c'])
    assert.ok(db.statements.includes('ROLLBACK'), 'the batch statement path rolled back first')
    assert.equal(db.statements.filter((s) => s.includes('SAVEPOINT event_')).length, 3 + 1)
  })

  test('an id the inbox refuses fails the batch statement; replayed one by one it fails alone', async () => {
    const db = inMemoryDatabase()
    const inbox = batcher(db)
    const outcomes = await Promise.all(['a', '', 'c'].map((id) => settle(inbox.apply(eventOf(id)))))
    assert.deepEqual(outcomes, [
      'event.processed',
      'failed: inbox_message_id_check',
      'event.processed',
    ])
    assert.deepEqual(db.committed.effects, ['a', 'c'])
  })

  test('a batch that cannot commit rejects every event in it, nothing committed', async () => {
    const db = inMemoryDatabase({ failCommit: true })
    const inbox = batcher(db)
    const outcomes = await Promise.all(['a', 'b'].map((id) => settle(inbox.apply(eventOf(id)))))
    assert.deepEqual(outcomes, ['failed: connection lost', 'failed: connection lost'])
    assert.equal(db.committed.inbox.size, 0)
  })

  test('ids go in as quoted literals', async () => {
    const db = inMemoryDatabase()
    const inbox = batcher(db)
    assert.equal(await inbox.apply(eventOf("o'brien")), 'event.processed')
    assert.match(db.statements[0] ?? '', /ARRAY\['o''brien'\]/)
    assert.deepEqual([...db.committed.inbox], ["o'brien"])
  })

  test('an effect not declared database-only keeps a savepoint per event', async () => {
    const db = inMemoryDatabase()
    const inbox = createInboxBatcher(db.pool, db.effectOf(new Set()), 16)
    await Promise.all(['a', 'b'].map((id) => inbox.apply(eventOf(id))))
    assert.equal(db.statements.filter((s) => s.includes('SAVEPOINT event_')).length, 2)
    assert.ok(!db.statements.some((s) => s.includes('unnest')))
  })
})
