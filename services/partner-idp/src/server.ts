/**
 * Puts the partner IdP on the network, on two HTTPS listeners serving the same provider:
 *
 * - the edge listener (`PORT`): TLS, no client certificate — browsers and the retail BFF
 *   authenticate at the OAuth layer (`private_key_jwt`);
 * - the mTLS alias listener (`MTLS_PORT`, RFC 8705 `mtls_endpoint_aliases`): the handshake demands
 *   a workload certificate from the shipping CA or the retail CA, and tokens issued there are
 *   bound to it.
 *
 * Both present the shipping workload certificate from the partner's own secrets folder.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import type { Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { loadWorkloadIdentity, mtlsServerOptions } from '@mythical/mtls'
import { buildPartnerIdp } from './app.ts'
import type { PartnerIdpDependencies } from './app.ts'
import type { PartnerIdpConfig } from './config.ts'

export interface RunningPartnerIdp {
  /** `https://<host>:<port>` actually bound by the edge listener (the port may have been 0). */
  readonly origin: string
  /** Same for the mTLS alias listener. */
  readonly mtlsOrigin: string
  close(): Promise<void>
}

/**
 * @example
 *   const idp = await startPartnerIdp(loadConfig(), { audit })
 *   await idp.close()
 */
export async function startPartnerIdp(
  config: PartnerIdpConfig,
  deps: PartnerIdpDependencies,
): Promise<RunningPartnerIdp> {
  const identity = loadWorkloadIdentity(config.secretsDir)
  const retailCaPem = readFileSync(config.retail.caFile, 'utf8')
  const { callback } = await buildPartnerIdp(config, deps)
  const edge = createServer(
    mtlsServerOptions(identity, { requireClientCertificate: false }),
    callback,
  )
  const alias = createServer(mtlsServerOptions(identity, { extraCaPem: [retailCaPem] }), callback)
  const servers = [edge, alias]
  try {
    const port = await listen(edge, config.port, config.host)
    const mtlsPort = await listen(alias, config.mtlsPort, config.host)
    return {
      origin: `https://${config.host}:${port}`,
      mtlsOrigin: `https://${config.host}:${mtlsPort}`,
      close: () => Promise.all(servers.map(close)).then(() => undefined),
    }
  } catch (err) {
    await Promise.all(servers.filter((s) => s.listening).map(close))
    throw err
  }
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return (server.address() as AddressInfo).port
}

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()))
    server.closeAllConnections()
  })
}
