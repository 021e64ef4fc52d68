/**
 * Entry point: load configuration, build the IdP, listen.
 *
 * - edge listener `HOST:PORT`: TLS with the IdP's certificate, no client certificate (browsers);
 * - mTLS alias listener `HOST:MTLS_PORT` (RFC 8705 `mtls_endpoint_aliases`): the handshake
 *   demands a client certificate from the retail CA — workloads authenticate here with
 *   `tls_client_auth` and get certificate-bound tokens.
 */
import { createServer } from 'node:https'
import type { Server } from 'node:https'
import { loadWorkloadIdentity, mtlsServerOptions } from '@mythical/mtls'
import { buildIdp } from './app.ts'
import { loadIdpConfig } from './config.ts'

const config = loadIdpConfig()
const identity = loadWorkloadIdentity(config.secretsDir)
const idp = await buildIdp(config)

const listen = (server: Server, port: number) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, config.host, () => resolve())
  })

const edge = createServer(
  mtlsServerOptions(identity, { requireClientCertificate: false }),
  idp.handle,
)
const mtls = createServer(mtlsServerOptions(identity), idp.handle)
await listen(edge, config.port)
await listen(mtls, config.mtlsPort)
idp.audit.logger.info(
  { issuer: config.issuer, port: config.port, mtlsPort: config.mtlsPort },
  'idp listening',
)

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  edge.closeAllConnections()
  mtls.closeAllConnections()
  Promise.all([new Promise((r) => edge.close(r)), new Promise((r) => mtls.close(r))])
    .then(() => idp.close())
    .then(() => process.exit(0))
    .catch(() => process.exit(1))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
