import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ExpiringCache, LoadingCache } from '../../src/index.ts'

test('an entry lives until its own expiry; an already expired one is not stored', () => {
  let clock = 1_000
  const cache = new ExpiringCache<string>({ now: () => clock })
  cache.set('a', 'A', 1_500)
  cache.set('b', 'B', 900)
  assert.equal(cache.get('a'), 'A')
  assert.equal(cache.get('b'), undefined)
  clock = 1_500
  assert.equal(cache.get('a'), undefined)
})

test('when full, the oldest entry makes room', () => {
  const cache = new ExpiringCache<number>({ maxEntries: 2, now: () => 0 })
  cache.set('a', 1, 10)
  cache.set('b', 2, 10)
  cache.set('c', 3, 10)
  assert.equal(cache.get('a'), undefined)
  assert.equal(cache.size, 2)
})

test('keys of secret parts are hashes, never the secret', () => {
  const key = ExpiringCache.keyOf('a-token', 'https://aud')
  assert.ok(!key.includes('a-token'))
  assert.notEqual(key, ExpiringCache.keyOf('a-token', 'https://other'))
})

test('concurrent loads of one key share one call; a failure is not kept', async () => {
  const cache = new LoadingCache<string>({ now: () => 0 })
  let calls = 0
  const load = async () => {
    calls += 1
    return 'value'
  }
  const [a, b] = await Promise.all([
    cache.load('k', load, () => 10),
    cache.load('k', load, () => 10),
  ])
  assert.equal(a, 'value')
  assert.equal(b, 'value')
  assert.equal(calls, 1)
  const failing = () => Promise.reject(new Error('down'))
  await assert.rejects(
    cache.load('f', failing, () => 10),
    /down/,
  )
  assert.equal(await cache.load('f', load, () => 10), 'value')
})

test('a value already expired when loaded is returned but not kept', async () => {
  const cache = new LoadingCache<string>({ now: () => 100 })
  let calls = 0
  const load = async () => `v${++calls}`
  assert.equal(await cache.load('k', load, () => 50), 'v1')
  assert.equal(await cache.load('k', load, () => 50), 'v2')
})
