import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { Writable } from 'node:stream'
import { describe, it } from 'node:test'
import { createAuditLogger } from '@mythical/audit'
import type { ChannelModel } from 'amqplib'
import type { Pool } from 'pg'
import { wireSystemsOfRecord } from '../src/systems-of-record.ts'

/** A pg Pool stand-in: `query` answers or fails, `end` is counted, `error` can be emitted. */
function fakePool(query: () => Promise<unknown>) {
  const pool = Object.assign(new EventEmitter(), {
    ended: 0,
    query,
    end: async () => void pool.ended++,
  })
  return pool
}

function capturedLogger() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    },
  })
  return { lines, logger: createAuditLogger({ service: 'orders-api', destination }).logger }
}

describe('wireSystemsOfRecord', () => {
  it('checks nothing and releases nothing for a service without systems of record', async () => {
    const { logger } = capturedLogger()
    const wired = wireSystemsOfRecord({}, logger)
    assert.deepEqual(Object.keys(wired.readiness), [])
    await wired.close()
  })

  it('checks the database, logs its idle errors instead of crashing, and ends it on close', async () => {
    const { lines, logger } = capturedLogger()
    const pool = fakePool(async () => ({ rows: [{ '?column?': 1 }] }))
    const wired = wireSystemsOfRecord({ database: pool as unknown as Pool }, logger)
    assert.deepEqual(Object.keys(wired.readiness), ['database'])
    await wired.readiness.database?.()
    // An unhandled 'error' event on an EventEmitter throws; the wiring must have a listener.
    pool.emit('error', Object.assign(new Error('terminated'), { code: '57P01' }))
    assert.match(lines.join(''), /idle database connection lost/)
    assert.doesNotMatch(lines.join(''), /terminated/)
    await wired.close()
    assert.equal(pool.ended, 1)
  })

  it('fails the database check when the database does not answer', async () => {
    const { logger } = capturedLogger()
    const pool = fakePool(() => Promise.reject(new Error('ECONNREFUSED')))
    const wired = wireSystemsOfRecord({ database: pool as unknown as Pool }, logger)
    await assert.rejects(wired.readiness.database?.() ?? Promise.resolve())
    await wired.close()
  })

  it('connects to the broker on first check only, and closes it on close', async () => {
    const { logger } = capturedLogger()
    let connects = 0
    let closed = 0
    const connection = Object.assign(new EventEmitter(), {
      close: async () => void closed++,
      createChannel: async () => ({ close: async () => {} }),
    })
    const wired = wireSystemsOfRecord(
      {
        broker: async () => {
          connects++
          return connection as unknown as ChannelModel
        },
      },
      logger,
    )
    assert.equal(connects, 0, 'not at boot')
    assert.deepEqual(Object.keys(wired.readiness), ['broker'])
    await wired.readiness.broker?.().catch(() => {})
    assert.equal(connects, 1)
    await wired.close()
    assert.equal(closed, 1)
  })
})
