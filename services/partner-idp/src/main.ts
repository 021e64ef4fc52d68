/**
 * Entry point run by the stack runner / compose: configuration, audit logger, HTTPS listener.
 */
import { createAuditLogger } from '@mythical/audit'
import { loadConfig } from './config.ts'
import { startPartnerIdp } from './server.ts'

const config = loadConfig()
const audit = createAuditLogger({ service: 'partner-idp', level: config.logLevel })
const idp = await startPartnerIdp(config, { audit })
audit.logger.info({ origin: idp.origin, issuer: config.issuer }, 'partner-idp listening')

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    idp.close().then(
      () => process.exit(0),
      (err: unknown) => {
        audit.logger.error({ err }, 'partner-idp shutdown failed')
        process.exit(1)
      },
    )
  })
}
