import { createAuditLogger } from '@mythical/audit'
import { createCardVaultClient } from '@mythical/cardvault-client'
import { runOrderPlacedSubscriber } from '@mythical/events'
import { runService } from '@mythical/service-kit'
import { serviceByName, workloadId } from '@mythical/stack'
import { simulatedAcquirer } from './acquirer.ts'
import { buildApp } from './app.ts'
import { loadServiceConfig } from './config.ts'
import { settleOrders } from './settle-order.ts'

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
// order.placed: consumed from its own queue into the inbox (reconnects while the broker is down);
// each new order is settled at the vault and the acquirer inside its inbox transaction.
await runOrderPlacedSubscriber(
  SERVICE,
  config,
  settleOrders({
    vault,
    acquirer: simulatedAcquirer(),
    audit,
    vaultId: workloadId(serviceByName(VAULT).domain, VAULT),
  }),
)
