import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MemoryReplayStore } from '../src/index.ts'

function clock(start: number) {
  let now = start
  return { now: () => now, tick: (seconds: number) => (now += seconds) }
}

test('first use passes, second use of the same key is a replay', () => {
  const store = new MemoryReplayStore({ now: () => 1_000 })
  assert.equal(store.consume('j1', 1_100), 'first-use')
  assert.equal(store.consume('j1', 1_100), 'replayed')
  assert.equal(store.consume('j2', 1_100), 'first-use')
})

test('an entry is kept until it expires, then forgotten', () => {
  const time = clock(1_000)
  const store = new MemoryReplayStore({ now: time.now })
  store.consume('j1', 1_100)
  time.tick(100) // 1100 = expiry: still remembered
  assert.equal(store.consume('j1', 1_100), 'replayed')
  time.tick(1)
  store.consume('other', 2_000)
  assert.equal(store.size, 1)
  assert.equal(store.consume('j1', 1_100), 'first-use')
})

test('when full, new keys are refused rather than old entries evicted', () => {
  const store = new MemoryReplayStore({ maxEntries: 2, now: () => 1_000 })
  assert.equal(store.consume('a', 2_000), 'first-use')
  assert.equal(store.consume('b', 2_000), 'first-use')
  assert.equal(store.consume('c', 2_000), 'full')
  assert.equal(store.consume('a', 2_000), 'replayed')
})

test('options are validated eagerly', () => {
  assert.throws(() => new MemoryReplayStore({ maxEntries: 0 }), {
    message: '"maxEntries" option must be a positive integer',
  })
})
