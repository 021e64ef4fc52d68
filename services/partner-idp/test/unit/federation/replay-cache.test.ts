import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ReplayCache } from '../../../src/federation/replay-cache.ts'

const ISS = 'https://localhost:4000'

function clock(start: number) {
  let now = start
  return { now: () => now, tick: (seconds: number) => (now += seconds) }
}

test('first use passes, second use of the same (iss, jti) is a replay', () => {
  const time = clock(1_000)
  const cache = new ReplayCache({ toleranceSeconds: 30, now: time.now })
  assert.equal(cache.consume(ISS, 'j1', 1_100), 'first-use')
  assert.equal(cache.consume(ISS, 'j1', 1_100), 'replayed')
})

test('the same jti from another issuer is a different token', () => {
  const cache = new ReplayCache({ toleranceSeconds: 30, now: () => 1_000 })
  assert.equal(cache.consume(ISS, 'j1', 1_100), 'first-use')
  assert.equal(cache.consume('https://other.example', 'j1', 1_100), 'first-use')
})

test('an entry is kept until exp + tolerance, then forgotten', () => {
  const time = clock(1_000)
  const cache = new ReplayCache({ toleranceSeconds: 30, now: time.now })
  cache.consume(ISS, 'j1', 1_100)
  time.tick(130) // 1130 = exp + tolerance: still remembered
  assert.equal(cache.consume(ISS, 'j1', 1_100), 'replayed')
  time.tick(1) // past exp + tolerance: the verifier rejects the token as expired anyway
  cache.consume(ISS, 'other', 2_000)
  assert.equal(cache.size, 1)
  assert.equal(cache.consume(ISS, 'j1', 1_100), 'first-use')
})

test('when full, new tokens are refused rather than old entries evicted', () => {
  const cache = new ReplayCache({ toleranceSeconds: 0, maxEntries: 2, now: () => 1_000 })
  assert.equal(cache.consume(ISS, 'a', 2_000), 'first-use')
  assert.equal(cache.consume(ISS, 'b', 2_000), 'first-use')
  assert.equal(cache.consume(ISS, 'c', 2_000), 'full')
  assert.equal(cache.consume(ISS, 'a', 2_000), 'replayed')
})

test('options are validated eagerly', () => {
  assert.throws(() => new ReplayCache({ toleranceSeconds: -1 }), {
    message: '"toleranceSeconds" option must be a non-negative integer',
  })
  assert.throws(() => new ReplayCache({ toleranceSeconds: 0, maxEntries: 0 }), {
    message: '"maxEntries" option must be a positive integer',
  })
})
