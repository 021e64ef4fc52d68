import { join } from 'node:path'
import { connectBroker } from '@mythical/broker'
import { startOrderPlacedSubscriber } from '@mythical/events'
import { loadWorkloadIdentity } from '@mythical/mtls'
import { assertOwnIdentity, loadPairwiseKey, runExpressService } from '@mythical/service-kit'
import { buildApp, SERVICE } from './app.ts'
import { loadServiceConfig } from './config.ts'
import { parcelFromOrder } from './parcels/parcel-from-order.ts'

const config = loadServiceConfig()
const identity = loadWorkloadIdentity(config.SECRETS_DIR)
assertOwnIdentity(identity, SERVICE)
// Loaded before listening: without the shared pairwise key no parcel could be filed correctly.
const pairwiseKey = loadPairwiseKey(config.SECRETS_DIR)
const { app, audit, pool } = buildApp(config)
await runExpressService(app, identity, {
  host: config.HOST,
  port: config.PORT,
  exposure: 'internal',
  audit,
})
// order.placed from its own queue, opened with its own key (the shipping-partner projection),
// into its own inbox; the broker and database are retail's, so their CA is pinned.
await startOrderPlacedSubscriber({
  service: SERVICE,
  secretsDir: config.SECRETS_DIR,
  pkiDir: config.PKI_DIR,
  pool,
  audit,
  handle: parcelFromOrder({ pairwiseKey, retailIssuer: config.IDP_ISSUER }),
  connect: () =>
    connectBroker(config.SECRETS_DIR, {
      clientName: SERVICE,
      serverCaFile: join(config.PKI_DIR, 'retail', 'ca.pem'),
    }),
})
