/**
 * Entry point: load configuration, build the IdP, listen (`@mythical/service-kit`
 * `startOidcListeners`):
 *
 * - edge listener `HOST:PORT`: TLS with the IdP's certificate, no client certificate (browsers);
 * - mTLS alias listener `HOST:MTLS_PORT` (RFC 8705 `mtls_endpoint_aliases`): the handshake
 *   demands a client certificate from the retail CA — workloads authenticate here with
 *   `tls_client_auth` and get certificate-bound tokens. A refused handshake is audited like any
 *   other refusal of the IdP's.
 *
 * SIGTERM/SIGINT close both listeners, then the database pool.
 */
import { createAuditLogger } from '@mythical/audit'
import { loadWorkloadIdentity } from '@mythical/mtls'
import { startOidcListeners, stopOnSignals } from '@mythical/service-kit'
import { tracingFromEnvironment } from '@mythical/telemetry'
import { buildIdp } from './app.ts'
import { loadIdpConfig } from './config.ts'

const config = loadIdpConfig()
const identity = loadWorkloadIdentity(config.secretsDir)
// Its token endpoint is a hop of the trust trace (a no-op unless OTEL_EXPORTER_OTLP_ENDPOINT is set).
const tracing = tracingFromEnvironment(config.serviceName, identity)
const audit = createAuditLogger({ service: config.serviceName, level: config.logLevel })
const idp = await buildIdp(config, { audit })
const listeners = await startOidcListeners(idp.handle, {
  audit,
  identity,
  host: config.host,
  port: config.port,
  mtlsPort: config.mtlsPort,
})
idp.audit.logger.info(
  { issuer: config.issuer, port: config.port, mtlsPort: config.mtlsPort },
  'idp listening',
)
stopOnSignals(
  async () => {
    await listeners.close()
    await idp.close()
    await tracing?.shutdown()
  },
  (err) => idp.audit.logger.error({ err }, 'idp shutdown failed'),
)
