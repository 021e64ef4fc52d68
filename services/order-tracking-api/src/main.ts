import { loadWorkloadIdentity } from '@mythical/mtls'
import { assertOwnIdentity, runExpressService } from '@mythical/service-kit'
import { buildApp, SERVICE } from './app.ts'
import { loadServiceConfig } from './config.ts'

const config = loadServiceConfig()
const identity = loadWorkloadIdentity(config.SECRETS_DIR)
assertOwnIdentity(identity, SERVICE)
const { app } = buildApp(config, { identity })
await runExpressService(app, identity, {
  host: config.HOST,
  port: config.PORT,
  exposure: 'edge',
})
