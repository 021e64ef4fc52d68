/**
 * Demo identities of SCENARIO.md (only with `SEED_DEMO_DATA=true`, never in production mode):
 * customers katie and bob, sales associate sam in group `sales-associate` with TOTP secret
 * `JBSWY3DPEHPK3PXP`. Idempotent: existing accounts are left untouched (their TOTP state
 * included) — except a demo TOTP secret sealed with a data key version this IdP no longer has (or
 * in the retired format), which could never be opened again and is sealed anew with the current
 * one.
 */
import type { PurposeKey } from '@mythical/service-kit'
import type { AccountStore } from './account-store.ts'
import { SALES_ASSOCIATE_GROUP } from '@mythical/stack'
import { hashPassword } from './password.ts'
import { sealedKeyVersion, sealSecret } from './secret-box.ts'

/** Group whose members may use the shop-assistant app (and must pass MFA). */

interface DemoAccount {
  id: string
  username: string
  password: string
  displayName: string
  email: string
  groups: string[]
  totpSecret?: string
}

/** The public demo contract (README, e2e and workshops rely on it). */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  {
    id: 'katie',
    username: 'katie',
    password: 'katie-loves-shopping',
    displayName: 'Katie',
    email: 'katie@example.com',
    groups: [],
  },
  {
    id: 'bob',
    username: 'bob',
    password: 'bob-buys-bikes',
    displayName: 'Bob',
    email: 'bob@example.com',
    groups: [],
  },
  {
    id: 'sam',
    username: 'sam',
    password: 'sam-sells-shoes',
    displayName: 'Sam',
    email: 'sam@mythical.example',
    groups: [SALES_ASSOCIATE_GROUP],
    totpSecret: 'JBSWY3DPEHPK3PXP',
  },
]

/**
 * Create the demo group and accounts that do not exist yet.
 *
 * @returns usernames created by this run (empty when everything was already there)
 */
export async function seedDemoAccounts(
  store: AccountStore,
  totpSealKey: PurposeKey,
): Promise<string[]> {
  await store.upsertGroup(SALES_ASSOCIATE_GROUP, 'Sales associates using the shop-assistant app')
  const created: string[] = []
  for (const a of DEMO_ACCOUNTS) {
    const existing = await store.findById(a.id)
    if (existing) {
      const sealed = existing.sealedTotpSecret
      if (a.totpSecret && sealed && sealedKeyVersion(sealed) !== totpSealKey.kid) {
        await store.replaceTotpSecret(a.id, await sealSecret(totpSealKey, a.id, a.totpSecret))
      }
      continue
    }
    const inserted = await store.insertAccountIfMissing({
      id: a.id,
      username: a.username,
      displayName: a.displayName,
      email: a.email,
      passwordHash: await hashPassword(a.password),
      ...(a.totpSecret
        ? { sealedTotpSecret: await sealSecret(totpSealKey, a.id, a.totpSecret) }
        : {}),
      groups: a.groups,
    })
    if (inserted) created.push(a.username)
  }
  return created
}
