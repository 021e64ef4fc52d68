/**
 * The throttling policy as a pure function: thresholds per counter, growing delays, one expiry
 * for counter and block, and HMAC'd keys that never hold the name or address in clear.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import {
  THROTTLE_RULES,
  reserveAttempt,
  throttleKeys,
} from '../../../src/accounts/sign-in-throttle.ts'
import type { ThrottleKey, ThrottleState } from '../../../src/accounts/sign-in-throttle.ts'

const hmacKey = randomBytes(32)
const t0 = new Date('2026-11-24T10:00:00Z')

/** Run attempts against a map of counters, as the stores do. */
function counters() {
  const states = new Map<string, ThrottleState>()
  return (keys: ThrottleKey[], now = t0) => {
    const r = reserveAttempt(
      keys,
      keys.map((k) => states.get(k.id)),
      now,
    )
    if (r.granted) {
      keys.forEach((k, i) => {
        const next = r.next[i]
        if (next) states.set(k.id, next)
      })
    }
    return r
  }
}

test('keys: one per (name, address) pair and one per name, case-insensitive, nothing in clear', () => {
  const [pair, account] = throttleKeys(hmacKey, 'password', ' Katie ', '192.0.2.1')
  assert.equal(pair?.scope, 'password:pair')
  assert.equal(account?.scope, 'password:account')
  assert.deepEqual(throttleKeys(hmacKey, 'password', 'katie', '192.0.2.1'), [pair, account])
  assert.notEqual(throttleKeys(hmacKey, 'password', 'katie', '192.0.2.2')[0]?.id, pair?.id)
  assert.equal(throttleKeys(hmacKey, 'password', 'katie', '192.0.2.2')[1]?.id, account?.id)
  assert.notEqual(throttleKeys(hmacKey, 'totp', 'katie', '192.0.2.1')[0]?.id, pair?.id)
  for (const k of [pair, account]) {
    assert.doesNotMatch(k?.id ?? '', /katie|192\.0\.2\.1/i)
  }
})

test('the account-wide counter (NIST SP 800-63B: at most 100 consecutive failures) spans addresses', () => {
  const attempt = counters()
  const { threshold } = THROTTLE_RULES['password:account']
  assert.equal(threshold <= 100, true)
  for (let i = 0; i < threshold; i++) {
    // One failure from each of many addresses: no pair reaches its own threshold.
    const r = attempt(throttleKeys(hmacKey, 'password', 'katie', `10.0.${i >> 8}.${i & 255}`))
    assert.equal(r.granted, true, `attempt ${i + 1}`)
  }
  const blocked = attempt(throttleKeys(hmacKey, 'password', 'katie', '198.51.100.7'))
  assert.deepEqual(blocked, { granted: false, retryAfterMs: 60_000 })
})

test('a refused attempt is not counted; the block ends on time; the counter expires with it', () => {
  const attempt = counters()
  const keys = throttleKeys(hmacKey, 'totp', 'sam', '192.0.2.1')
  const { threshold, quietMs } = THROTTLE_RULES['totp:pair']
  for (let i = 0; i < threshold; i++) assert.equal(attempt(keys).granted, true)
  for (let i = 0; i < 10; i++) assert.equal(attempt(keys).granted, false)
  const atEnd = new Date(t0.getTime() + 60_000)
  const after = attempt(keys, atEnd)
  assert.equal(after.granted, true)
  // Not counted while blocked: the next failure is threshold + 1 (a 2-minute block).
  assert.equal(after.granted && after.next[0]?.failures, threshold + 1)
  const later = new Date(atEnd.getTime() + 120_000 + quietMs)
  const fresh = attempt(keys, later)
  assert.equal(fresh.granted && fresh.next[0]?.failures, 1, 'counter and block expired together')
})
