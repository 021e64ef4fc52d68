/**
 * The authenticator against in-memory stores: passwords and TOTP, throttling per (name, address)
 * and per name, no difference between real and unknown names, and the hash upgrade on sign-in.
 * (Atomicity of the PostgreSQL counters is proven in test/integration/sign-in-abuse.test.ts.)
 */
import assert from 'node:assert/strict'
import { randomBytes, scryptSync } from 'node:crypto'
import { test } from 'node:test'
import { createGuardrails, generate } from 'otplib'
import type { AccountRecord, AccountStore } from '../../../src/accounts/account-store.ts'
import { createAuthenticator } from '../../../src/accounts/authenticate.ts'
import type { AuthOutcome } from '../../../src/accounts/authenticate.ts'
import { needsRehash, verifyPassword } from '../../../src/accounts/password.ts'
import { sealSecret } from '../../../src/accounts/secret-box.ts'
import { THROTTLE_RULES, reserveAttempt } from '../../../src/accounts/sign-in-throttle.ts'
import type { ThrottleState } from '../../../src/accounts/sign-in-throttle.ts'
import type { ThrottleStore } from '../../../src/accounts/throttle-store.ts'

const key = { kid: 'data-key-1', key: randomBytes(32) }
const SECRET = 'JBSWY3DPEHPK3PXP'
const ATTACKER = '203.0.113.66'
const OWNER = '198.51.100.7'
const { threshold: PAIR_THRESHOLD } = THROTTLE_RULES['password:pair']

/**
 * A hash in the stored format at a low cost: checks against it are fast (the cost is read from
 * the hash), which keeps these tests quick — and it is below the current cost, so a successful
 * sign-in upgrades it.
 */
function weakHash(password: string, N = 2 ** 10): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password, salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 })
  return ['scrypt', N, 8, 1, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

/** An account store with the semantics of the SQL one. */
async function memoryStore(): Promise<AccountStore & { rows: Map<string, AccountRecord> }> {
  const base = { email: undefined, totpLastTimeStep: undefined, groups: [] }
  const rows = new Map<string, AccountRecord>([
    [
      'katie',
      {
        ...base,
        id: 'katie',
        username: 'katie',
        displayName: 'Katie',
        passwordHash: weakHash('pw-katie'),
        sealedTotpSecret: undefined,
      },
    ],
    [
      'sam',
      {
        ...base,
        id: 'sam',
        username: 'sam',
        displayName: 'Sam',
        passwordHash: weakHash('pw-sam'),
        sealedTotpSecret: await sealSecret(key, 'sam', SECRET),
      },
    ],
  ])
  const update = (id: string, patch: Partial<AccountRecord>) => {
    const row = rows.get(id)
    if (row) rows.set(id, { ...row, ...patch })
  }
  return {
    rows,
    findById: async (id) => rows.get(id),
    findByUsername: async (u) => [...rows.values()].find((r) => r.username === u),
    async upgradePasswordHash(id, from, to) {
      if (rows.get(id)?.passwordHash !== from) return false
      update(id, { passwordHash: to })
      return true
    },
    async recordTotpStep(id, step) {
      const last = rows.get(id)?.totpLastTimeStep
      if (last !== undefined && last >= step) return false
      update(id, { totpLastTimeStep: step })
      return true
    },
    upsertGroup: async () => undefined,
    insertAccountIfMissing: async () => false,
    replaceTotpSecret: async (id, sealed) => update(id, { sealedTotpSecret: sealed }),
    listLegacySealedSecrets: async () => [],
    swapSealedTotpSecret: async () => false,
  }
}

/** The counters in a Map, decided by the same policy function as the SQL store. */
function memoryThrottle(): ThrottleStore {
  const states = new Map<string, ThrottleState>()
  return {
    async reserve(keys, now) {
      const decision = reserveAttempt(
        keys,
        keys.map((k) => states.get(k.id)),
        now,
      )
      if (decision.granted)
        keys.forEach((k, i) => {
          const next = decision.next[i]
          if (next) states.set(k.id, next)
        })
      return decision
    },
    async clear(keys) {
      for (const k of keys) states.delete(k.id)
    },
  }
}

async function setup(start = new Date('2026-11-24T10:00:00Z')) {
  const store = await memoryStore()
  const clock = { now: start }
  const auth = createAuthenticator({
    store,
    throttle: memoryThrottle(),
    throttleKey: randomBytes(32),
    totpSealKey: key,
    now: () => clock.now,
  })
  const advance = (ms: number) => {
    clock.now = new Date(clock.now.getTime() + ms)
  }
  return { store, auth, clock, advance }
}

const reasonOf = (o: AuthOutcome) => (o.ok ? 'ok' : o.reason)

test('password: right, wrong, unknown user', async () => {
  const { auth } = await setup()
  assert.equal((await auth.checkPassword('katie', 'pw-katie', OWNER)).ok, true)
  assert.equal(reasonOf(await auth.checkPassword('katie', 'nope', OWNER)), 'login.bad_password')
  assert.deepEqual(await auth.checkPassword('nobody', 'pw', OWNER), {
    ok: false,
    reason: 'login.unknown_user',
  })
})

test(`after ${PAIR_THRESHOLD} failures one address is blocked, even with the right password; the owner elsewhere is not`, async () => {
  const { auth } = await setup()
  for (let i = 0; i < PAIR_THRESHOLD; i++) {
    assert.equal(
      reasonOf(await auth.checkPassword('katie', 'guess', ATTACKER)),
      'login.bad_password',
    )
  }
  const blocked = await auth.checkPassword('katie', 'pw-katie', ATTACKER)
  assert.deepEqual(blocked, { ok: false, reason: 'login.throttled', retryAfterSeconds: 60 })
  assert.equal((await auth.checkPassword('katie', 'pw-katie', OWNER)).ok, true)
})

test('delays grow while the attacker keeps failing (1, 2, 4, 8 min, capped at 15)', async () => {
  const { auth, advance } = await setup()
  for (let i = 0; i < PAIR_THRESHOLD; i++) await auth.checkPassword('katie', 'guess', ATTACKER)
  const waits: number[] = []
  for (let round = 0; round < 5; round++) {
    const blocked = await auth.checkPassword('katie', 'guess', ATTACKER)
    assert.equal(reasonOf(blocked), 'login.throttled')
    const wait = (!blocked.ok && blocked.retryAfterSeconds) || 0
    waits.push(wait)
    advance(wait * 1000)
    assert.equal(
      reasonOf(await auth.checkPassword('katie', 'guess', ATTACKER)),
      'login.bad_password',
      'the attempt after the block is checked',
    )
  }
  assert.deepEqual(waits, [60, 120, 240, 480, 900])
})

test('a block expires together with its counter: after the quiet period one typo does not block', async () => {
  const { auth, advance } = await setup()
  for (let i = 0; i < PAIR_THRESHOLD; i++) await auth.checkPassword('katie', 'guess', OWNER)
  advance(60_000 + THROTTLE_RULES['password:pair'].quietMs)
  assert.equal(reasonOf(await auth.checkPassword('katie', 'typo', OWNER)), 'login.bad_password')
  assert.equal((await auth.checkPassword('katie', 'pw-katie', OWNER)).ok, true)
})

test('a success clears the counters of its pair', async () => {
  const { auth } = await setup()
  for (let i = 0; i < PAIR_THRESHOLD - 1; i++) await auth.checkPassword('katie', 'guess', OWNER)
  assert.equal((await auth.checkPassword('katie', 'pw-katie', OWNER)).ok, true)
  for (let i = 0; i < PAIR_THRESHOLD - 1; i++) {
    assert.equal(reasonOf(await auth.checkPassword('katie', 'guess', OWNER)), 'login.bad_password')
  }
})

test('an unknown name is throttled exactly like a real one (no enumeration by lockout)', async () => {
  const { auth } = await setup()
  const sequence = async (username: string) => {
    const outcomes: unknown[] = []
    for (let i = 0; i < PAIR_THRESHOLD + 2; i++) {
      const o = await auth.checkPassword(username, 'guess', ATTACKER)
      // What the client sees: refused or throttled, and for how long (the reason itself is audit-only).
      outcomes.push(o.ok ? 'ok' : o.reason === 'login.throttled' ? o.retryAfterSeconds : 'refused')
    }
    return outcomes
  }
  const real = await sequence('katie')
  assert.deepEqual(real, [...Array<string>(PAIR_THRESHOLD).fill('refused'), 60, 60])
  assert.deepEqual(await sequence('no-such-user'), real)
})

test('a hash below the current cost is upgraded on a successful sign-in only', async () => {
  const { auth, store } = await setup()
  const weak = weakHash('pw-katie', 2 ** 15)
  const katie = store.rows.get('katie')
  assert.ok(katie)
  store.rows.set('katie', { ...katie, passwordHash: weak })
  await auth.checkPassword('katie', 'wrong', OWNER)
  assert.equal(store.rows.get('katie')?.passwordHash, weak, 'a failure changes nothing')
  assert.equal((await auth.checkPassword('katie', 'pw-katie', OWNER)).ok, true)
  const upgraded = store.rows.get('katie')?.passwordHash ?? ''
  assert.match(upgraded, /^scrypt\$131072\$8\$1\$/)
  assert.equal(needsRehash(upgraded), false)
  assert.equal(await verifyPassword('pw-katie', upgraded), true)
})

test('TOTP: right code once, replay refused, wrong codes throttled per pair', async () => {
  const { auth, clock } = await setup()
  const code = await generate({
    secret: SECRET,
    epoch: clock.now.getTime() / 1000,
    guardrails: createGuardrails({ MIN_SECRET_BYTES: 10 }),
  })
  assert.equal((await auth.checkTotp('sam', code, OWNER)).ok, true)
  assert.equal(reasonOf(await auth.checkTotp('sam', code, OWNER)), 'mfa.replayed_code')
  for (let i = 1; i < THROTTLE_RULES['totp:pair'].threshold; i++) {
    assert.equal(reasonOf(await auth.checkTotp('sam', '000000', OWNER)), 'mfa.bad_code')
  }
  assert.equal(reasonOf(await auth.checkTotp('sam', code, OWNER)), 'mfa.throttled')
  assert.equal(reasonOf(await auth.checkTotp('katie', code, ATTACKER)), 'mfa.not_enrolled')
})
