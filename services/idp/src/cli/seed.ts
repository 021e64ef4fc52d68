/**
 * `pnpm --filter @mythical/idp seed`: create the demo accounts of SCENARIO.md in the identity
 * store (idempotent). Refused in production mode.
 */
import { createDatabasePool } from '@mythical/db'
import { createAccountStore } from '../accounts/account-store.ts'
import { seedDemoAccounts } from '../accounts/seed.ts'
import { loadIdpConfig } from '../config.ts'
import { loadDerivedKeys } from '../keys/derived-keys.ts'

const config = loadIdpConfig()
if (config.production) {
  process.stderr.write('seed: demo accounts are never created in production mode\n')
  process.exit(2)
}
const pool = createDatabasePool(config.secretsDir)
try {
  const created = await seedDemoAccounts(
    createAccountStore(pool),
    loadDerivedKeys(config.secretsDir).totpSeal,
  )
  process.stdout.write(
    `seed: ${created.length ? `created ${created.join(', ')}` : 'nothing to do'}\n`,
  )
} finally {
  await pool.end()
}
