/**
 * The demo identities of SCENARIO.md as the running IdP sees them: seeding is idempotent,
 * passwords are scrypt hashes that verify, and Sam's TOTP secret is stored sealed — it opens to
 * the documented `JBSWY3DPEHPK3PXP` only with the IdP's own derived key.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Pool } from 'pg'
import { createDatabasePool } from '@mythical/db'
import { createAccountStore } from '../../src/accounts/account-store.ts'
import { verifyPassword } from '../../src/accounts/password.ts'
import { openSecret } from '../../src/accounts/secret-box.ts'
import { DEMO_ACCOUNTS, seedDemoAccounts } from '../../src/accounts/seed.ts'
import { loadDerivedKeys } from '../../src/keys/derived-keys.ts'
import { requireStack, paths } from '@mythical/testing'

let pool: Pool
const keys = () => loadDerivedKeys(paths.secrets('idp'))

before(async () => {
  requireStack()
  pool = createDatabasePool(paths.secrets('idp'))
})
after(() => pool.end())

test('seeding twice creates nothing the second time', async () => {
  const store = createAccountStore(pool)
  await seedDemoAccounts(store, keys().totpSeal)
  assert.deepEqual(await seedDemoAccounts(store, keys().totpSeal), [])
})

test('demo accounts, groups and sealed TOTP secret', async () => {
  const store = createAccountStore(pool)
  for (const demo of DEMO_ACCOUNTS) {
    const account = await store.findByUsername(demo.username)
    assert.ok(account, demo.username)
    assert.match(account.passwordHash, /^scrypt\$/)
    assert.equal(await verifyPassword(demo.password, account.passwordHash), true)
    assert.deepEqual(account.groups, demo.groups)
  }
  const sam = await store.findByUsername('sam')
  const sealed = sam?.sealedTotpSecret ?? ''
  assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'), 'not stored in clear')
  assert.equal(await openSecret(keys().totpSeal, 'sam', sealed), 'JBSWY3DPEHPK3PXP')
  await assert.rejects(openSecret(keys().cookies, 'sam', sealed), {
    code: 'ERR_IDP_SEALED_SECRET',
  })
})
