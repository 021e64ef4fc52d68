import { runService } from '@mythical/service-kit'
import { buildApp } from './app.ts'
import { loadServiceConfig } from './config.ts'

const config = loadServiceConfig()
await runService(await buildApp(config), { host: config.HOST, port: config.PORT })
