/**
 * Entry point run by the stack runner / compose: configuration, audit logger, the two HTTPS
 * listeners; SIGTERM/SIGINT close them gracefully.
 */
import { createAuditLogger } from '@mythical/audit'
import { stopOnSignals } from '@mythical/service-kit'
import { loadConfig } from './config.ts'
import { startPartnerIdp } from './server.ts'

const config = loadConfig()
const audit = createAuditLogger({ service: 'partner-idp', level: config.logLevel })
const idp = await startPartnerIdp(
  config,
  {
    audit,
    onCheckFailed: (check, err) => audit.logger.warn({ check, err }, 'readiness check failed'),
  },
  audit,
)
audit.logger.info(
  { origin: idp.origin, mtlsOrigin: idp.mtlsOrigin, issuer: config.issuer },
  'partner-idp listening',
)
stopOnSignals(
  () => idp.close(),
  (err) => audit.logger.error({ err }, 'partner-idp shutdown failed'),
)
