import { runOrderPlacedSubscriber } from '@mythical/events'
import { runService } from '@mythical/service-kit'
import { buildApp } from './app.ts'
import { loadServiceConfig } from './config.ts'
import { recordPurchases } from './history-from-orders.ts'

const config = loadServiceConfig()
await runService(await buildApp(config), { host: config.HOST, port: config.PORT })
// order.placed: consumed from its own queue into the inbox (reconnects while the broker is down).
await runOrderPlacedSubscriber('recommendations-api', config, recordPurchases)
