import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import { describe, it } from 'node:test'
import { lazyConnection } from '../src/index.ts'

const unexpectedError = (err: unknown) => assert.fail(`unexpected connection error: ${String(err)}`)

class FakeConnection extends EventEmitter {
  closed = 0
  async close() {
    this.closed += 1
    this.emit('close')
  }
}

describe('lazyConnection', () => {
  it('connects on first use only and reuses the connection', async () => {
    let attempts = 0
    const lazy = lazyConnection(async () => {
      attempts += 1
      return new FakeConnection()
    }, unexpectedError)
    assert.equal(attempts, 0)
    const [a, b] = await Promise.all([lazy.get(), lazy.get()])
    assert.equal(a, b)
    assert.equal(attempts, 1)
  })

  it('retries after a failed attempt', async () => {
    let attempts = 0
    const lazy = lazyConnection(async () => {
      attempts += 1
      if (attempts === 1) throw new Error('ECONNREFUSED')
      return new FakeConnection()
    }, unexpectedError)
    await assert.rejects(lazy.get(), { message: 'ECONNREFUSED' })
    assert.ok((await lazy.get()) instanceof FakeConnection)
    assert.equal(attempts, 2)
  })

  it('reconnects after the peer closed the connection and reports errors', async () => {
    const errors: unknown[] = []
    const lazy = lazyConnection(
      async () => new FakeConnection(),
      (err) => errors.push(err),
    )
    const first = await lazy.get()
    first.emit('error', new Error('CONNECTION_FORCED'))
    first.emit('close')
    const second = await lazy.get()
    assert.notEqual(first, second)
    assert.equal(errors.length, 1)
  })

  it('close() closes the open connection and refuses further use', async () => {
    const lazy = lazyConnection(async () => new FakeConnection(), unexpectedError)
    const conn = await lazy.get()
    await lazy.close()
    assert.equal(conn.closed, 1)
    await assert.rejects(lazy.get(), { message: 'connection is shut down' })
  })
})
