import { loadWorkloadIdentity } from '@mythical/mtls'
import { assertOwnIdentity } from '@mythical/service-kit'
import { buildApp } from './app.ts'
import { loadServiceConfig } from './config.ts'
import { startVault } from './server.ts'

const config = loadServiceConfig()
const identity = loadWorkloadIdentity(config.SECRETS_DIR)
assertOwnIdentity(identity, 'tokenization-api')
const { app, audit } = await buildApp(config)
await startVault(app, audit, identity, { host: config.HOST, port: config.PORT })
