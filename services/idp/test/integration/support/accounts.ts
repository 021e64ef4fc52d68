/**
 * Throw-away accounts for tests that change account state (lockout, TOTP replay), so the demo
 * accounts of the running stack are never locked by a test run. Removed again on cleanup.
 */
import { randomBytes } from 'node:crypto'
import { generateSecret } from 'otplib'
import { createAccountStore } from '../../../src/accounts/account-store.ts'
import { hashPassword } from '../../../src/accounts/password.ts'
import { sealSecret } from '../../../src/accounts/secret-box.ts'
import { SALES_ASSOCIATE_GROUP } from '@mythical/stack'
import { loadDerivedKeys } from '../../../src/keys/derived-keys.ts'
import type { RunningIdp } from './idp-server.ts'

export interface TestAccount {
  username: string
  password: string
  totpSecret?: string
}

/** Create a test account (a sales associate with TOTP when `staff`). */
export async function createTestAccount(
  run: RunningIdp,
  opts: { staff?: boolean } = {},
): Promise<TestAccount> {
  const id = `test-${randomBytes(6).toString('hex')}`
  const password = randomBytes(12).toString('base64url')
  // A fresh base32 secret (20 random bytes), as a real enrolment would generate.
  const totpSecret = opts.staff ? generateSecret() : undefined
  const store = createAccountStore(run.idp.pool)
  await store.insertAccountIfMissing({
    id,
    username: id,
    displayName: `Test ${id}`,
    passwordHash: await hashPassword(password),
    ...(totpSecret
      ? {
          sealedTotpSecret: await sealSecret(
            loadDerivedKeys(run.secretsDir).totpSeal,
            id,
            totpSecret,
          ),
        }
      : {}),
    groups: opts.staff ? [SALES_ASSOCIATE_GROUP] : [],
  })
  return { username: id, password, ...(totpSecret ? { totpSecret } : {}) }
}

/** Delete the accounts a test created. */
export async function deleteTestAccounts(run: RunningIdp, accounts: TestAccount[]): Promise<void> {
  for (const a of accounts)
    await run.idp.pool.query('DELETE FROM accounts WHERE id = $1', [a.username])
}
