import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { createGuardrails, generate } from 'otplib'
import type { AccountRecord, AccountStore } from '../../../src/accounts/account-store.ts'
import { LOCKOUT_THRESHOLD, createAuthenticator } from '../../../src/accounts/authenticate.ts'
import { hashPassword } from '../../../src/accounts/password.ts'
import { sealSecret } from '../../../src/accounts/secret-box.ts'

const key = { kid: 'data-key-1', key: randomBytes(32) }
const SECRET = 'JBSWY3DPEHPK3PXP'

/** An in-memory store with the same semantics as the SQL one. */
async function memoryStore(): Promise<AccountStore & { rows: Map<string, AccountRecord> }> {
  const base = {
    email: undefined,
    totpLastTimeStep: undefined,
    failedAttempts: 0,
    lockedUntil: undefined,
  }
  const rows = new Map<string, AccountRecord>([
    [
      'katie',
      {
        ...base,
        id: 'katie',
        username: 'katie',
        displayName: 'Katie',
        passwordHash: await hashPassword('pw-katie'),
        sealedTotpSecret: undefined,
        groups: [],
      },
    ],
    [
      'sam',
      {
        ...base,
        id: 'sam',
        username: 'sam',
        displayName: 'Sam',
        passwordHash: await hashPassword('pw-sam'),
        sealedTotpSecret: sealSecret(key, 'sam', SECRET),
        groups: ['sales-associate'],
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
    async recordFailure(id, threshold, lockUntil) {
      const failed = (rows.get(id)?.failedAttempts ?? 0) + 1
      update(id, {
        failedAttempts: failed,
        ...(failed >= threshold ? { lockedUntil: lockUntil } : {}),
      })
    },
    resetFailures: async (id) => update(id, { failedAttempts: 0, lockedUntil: undefined }),
    async recordTotpStep(id, step) {
      const last = rows.get(id)?.totpLastTimeStep
      if (last !== undefined && last >= step) return false
      update(id, { totpLastTimeStep: step })
      return true
    },
    upsertGroup: async () => undefined,
    insertAccountIfMissing: async () => false,
    replaceTotpSecret: async (id, sealed) => update(id, { sealedTotpSecret: sealed }),
  }
}

test('password: right, wrong, unknown user', async () => {
  const auth = createAuthenticator({ store: await memoryStore(), totpSealKey: key })
  assert.equal((await auth.checkPassword('katie', 'pw-katie')).ok, true)
  assert.deepEqual(
    { ...(await auth.checkPassword('katie', 'nope')), account: undefined },
    { ok: false, reason: 'login.bad_password', account: undefined },
  )
  assert.deepEqual(await auth.checkPassword('nobody', 'pw'), {
    ok: false,
    reason: 'login.unknown_user',
  })
})

test(`lockout after ${LOCKOUT_THRESHOLD} failures refuses even the right password, until it expires`, async () => {
  const store = await memoryStore()
  let now = new Date('2026-11-24T10:00:00Z')
  const auth = createAuthenticator({ store, totpSealKey: key, now: () => now })
  for (let i = 0; i < LOCKOUT_THRESHOLD; i++) await auth.checkPassword('katie', 'wrong')
  const locked = await auth.checkPassword('katie', 'pw-katie')
  assert.equal(locked.ok, false)
  assert.equal(!locked.ok && locked.reason, 'login.locked')
  now = new Date(now.getTime() + 16 * 60 * 1000)
  assert.equal((await auth.checkPassword('katie', 'pw-katie')).ok, true)
})

test('TOTP: right code once, replay refused, wrong code counts towards lockout', async () => {
  const store = await memoryStore()
  const now = new Date('2026-11-24T10:00:00Z')
  const auth = createAuthenticator({ store, totpSealKey: key, now: () => now })
  const code = await generate({
    secret: SECRET,
    epoch: now.getTime() / 1000,
    guardrails: createGuardrails({ MIN_SECRET_BYTES: 10 }),
  })
  assert.equal((await auth.checkTotp('sam', code)).ok, true)
  const replay = await auth.checkTotp('sam', code)
  assert.equal(!replay.ok && replay.reason, 'mfa.replayed_code')
  const wrong = await auth.checkTotp('sam', '000000')
  assert.equal(!wrong.ok && wrong.reason, 'mfa.bad_code')
  assert.equal(store.rows.get('sam')?.failedAttempts, 2)
  const none = await auth.checkTotp('katie', code)
  assert.equal(!none.ok && none.reason, 'mfa.not_enrolled')
})
