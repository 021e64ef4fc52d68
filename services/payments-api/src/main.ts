import { createAuditLogger } from '@mythical/audit'
import { createCardVaultClient } from '@mythical/cardvault-client'
import { createDatabasePool } from '@mythical/db'
import { runOrderPlacedSubscriber } from '@mythical/events'
import { runService } from '@mythical/service-kit'
import { serviceByName, workloadId } from '@mythical/stack'
import { simulatedAcquirer } from './acquirer.ts'
import { buildApp } from './app.ts'
import { loadServiceConfig } from './config.ts'
import { recordPendingPayments } from './record-pending-payment.ts'
import { startSettlementLoop } from './settle-payments.ts'

const SERVICE = 'payments-api'
const VAULT = 'tokenization-api'

const config = loadServiceConfig()
await runService(await buildApp(config), { host: config.HOST, port: config.PORT })
const audit = createAuditLogger({ service: SERVICE, level: config.LOG_LEVEL })
const vault = await createCardVaultClient({
  service: SERVICE,
  secretsDir: config.SECRETS_DIR,
  pkiDir: config.PKI_DIR,
  url: config.TOKENIZATION_API_URL,
  logger: audit.logger,
})
const vaultId = workloadId(serviceByName(VAULT).domain, VAULT)
// order.placed: consumed from its own queue into the inbox (reconnects while the broker is down);
// each new order's payment is recorded as pending in its inbox transaction.
await runOrderPlacedSubscriber(SERVICE, config, recordPendingPayments({ audit, vaultId }))
// Pending payments are settled at the vault and the acquirer outside any transaction.
const settlementPool = createDatabasePool(config.SECRETS_DIR)
settlementPool.on('error', (err: Error & { code?: string }) =>
  audit.logger.warn({ code: err.code }, 'idle database connection lost'),
)
startSettlementLoop({
  pool: settlementPool,
  vault,
  acquirer: simulatedAcquirer(),
  audit,
  vaultId,
})
