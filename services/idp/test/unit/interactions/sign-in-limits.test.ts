/**
 * The sign-in rate limits (token buckets per client address and global) and the client address
 * they are keyed by.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clientAddressKey } from '../../../src/interactions/client-address.ts'
import { signInRateLimiter } from '../../../src/interactions/rate-limit.ts'

test('per address: a burst of the limit, then 429-worthy refusals with the wait; other addresses unaffected', () => {
  let now = 0
  const limiter = signInRateLimiter({ perAddressPerMinute: 30, globalPerMinute: 1000 }, () => now)
  for (let i = 0; i < 30; i++) assert.deepEqual(limiter.attempt('192.0.2.1'), { allowed: true })
  assert.deepEqual(limiter.attempt('192.0.2.1'), {
    allowed: false,
    scope: 'address',
    retryAfterSeconds: 2,
  })
  assert.deepEqual(limiter.attempt('192.0.2.2'), { allowed: true })
  now += 2000
  assert.deepEqual(limiter.attempt('192.0.2.1'), { allowed: true }, 'refilled at 30 per minute')
  assert.equal(limiter.attempt('192.0.2.1').allowed, false)
})

test('global: caps the sum over all addresses', () => {
  let now = 0
  const limiter = signInRateLimiter({ perAddressPerMinute: 30, globalPerMinute: 5 }, () => now)
  for (let i = 0; i < 5; i++) assert.equal(limiter.attempt(`198.51.100.${i}`).allowed, true)
  assert.deepEqual(limiter.attempt('198.51.100.99'), {
    allowed: false,
    scope: 'global',
    retryAfterSeconds: 12,
  })
  now += 12_000
  assert.equal(limiter.attempt('198.51.100.99').allowed, true)
})

test('client address: IPv4-mapped unwrapped, IPv6 counted per /64', () => {
  assert.equal(clientAddressKey('::ffff:192.0.2.10'), '192.0.2.10')
  assert.equal(clientAddressKey('192.0.2.10'), '192.0.2.10')
  assert.equal(clientAddressKey('2001:db8:1:2:aaaa::1'), '2001:0db8:0001:0002::/64')
  assert.equal(clientAddressKey('2001:db8:1:2::ffff'), clientAddressKey('2001:db8:1:2:aaaa::1'))
  assert.notEqual(clientAddressKey('2001:db8:1:3::1'), clientAddressKey('2001:db8:1:2::1'))
  assert.equal(clientAddressKey('::1'), '0000:0000:0000:0000::/64')
  assert.equal(clientAddressKey(undefined), 'unknown')
})
