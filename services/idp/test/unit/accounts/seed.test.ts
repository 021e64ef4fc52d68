/**
 * Demo seeding against an in-memory store: creates what is missing, leaves existing accounts
 * alone, and re-seals a demo TOTP secret only when it was sealed under another data key version.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import type {
  AccountRecord,
  AccountStore,
  NewAccount,
} from '../../../src/accounts/account-store.ts'
import { openSecret, sealedKeyVersion, sealSecret } from '../../../src/accounts/secret-box.ts'
import { DEMO_ACCOUNTS, seedDemoAccounts } from '../../../src/accounts/seed.ts'

const current = { kid: 'data-key-2', key: randomBytes(32) }
const retired = { kid: 'data-key-1', key: randomBytes(32) }

function memoryStore() {
  const rows = new Map<string, AccountRecord>()
  const replaced: string[] = []
  const store: AccountStore = {
    findById: async (id) => rows.get(id),
    findByUsername: async (u) => [...rows.values()].find((r) => r.username === u),
    upgradePasswordHash: async () => false,
    listLegacySealedSecrets: async () => [],
    swapSealedTotpSecret: async () => false,
    recordTotpStep: async () => true,
    upsertGroup: async () => undefined,
    async insertAccountIfMissing(a: NewAccount) {
      if (rows.has(a.id)) return false
      rows.set(a.id, {
        id: a.id,
        username: a.username,
        displayName: a.displayName,
        email: a.email,
        passwordHash: a.passwordHash,
        sealedTotpSecret: a.sealedTotpSecret,
        totpLastTimeStep: undefined,
        groups: [...a.groups],
      })
      return true
    },
    async replaceTotpSecret(id, sealed) {
      replaced.push(id)
      const row = rows.get(id)
      if (row) rows.set(id, { ...row, sealedTotpSecret: sealed })
    },
  }
  return { store, rows, replaced }
}

test('creates every demo account once, sealing the TOTP secret under the current key version', async () => {
  const { store, rows, replaced } = memoryStore()
  assert.deepEqual(await seedDemoAccounts(store, current), ['katie', 'bob', 'sam'])
  assert.deepEqual(await seedDemoAccounts(store, current), [])
  assert.deepEqual(replaced, [])
  const sealed = rows.get('sam')?.sealedTotpSecret ?? ''
  assert.equal(sealedKeyVersion(sealed), current.kid)
  assert.equal(await openSecret(current, 'sam', sealed), 'JBSWY3DPEHPK3PXP')
  assert.equal(rows.get('katie')?.sealedTotpSecret, undefined)
  assert.equal(DEMO_ACCOUNTS.length, rows.size)
})

test('a demo TOTP secret sealed under a retired key version, or in the older format, is re-sealed', async () => {
  for (const stale of [
    await sealSecret(retired, 'sam', 'JBSWY3DPEHPK3PXP'),
    'v1.aXY.Y2lwaGVy.dGFn',
  ]) {
    const { store, rows, replaced } = memoryStore()
    await seedDemoAccounts(store, retired)
    const sam = rows.get('sam')
    assert.ok(sam)
    rows.set('sam', { ...sam, sealedTotpSecret: stale })
    assert.deepEqual(await seedDemoAccounts(store, current), [])
    assert.deepEqual(replaced, ['sam'])
    const resealed = rows.get('sam')?.sealedTotpSecret ?? ''
    assert.equal(await openSecret(current, 'sam', resealed), 'JBSWY3DPEHPK3PXP')
  }
})
