import { mtlsServerOptions, type WorkloadIdentity } from '@mythical/mtls'
import type { RequestListener } from 'node:http'
import { createServer, get } from 'node:https'
import type { AddressInfo } from 'node:net'

/**
 * Serves `handler` (e.g. an express app) on a free loopback port with the workload's TLS
 * settings, as `runExpressService` would, without its signal handling.
 *
 * @example
 * ```ts
 * const server = await startTestServer(buildApp(config), secrets.identity, 'internal')
 * after(() => server.close())
 * ```
 */
export async function startTestServer(
  handler: RequestListener,
  identity: WorkloadIdentity,
  exposure: 'edge' | 'internal',
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(
    mtlsServerOptions(identity, { requireClientCertificate: exposure === 'internal' }),
    handler,
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * GETs `url` over TLS trusting only `caPem`, presenting `client`'s certificate if given, and
 * parses the JSON body. Node's https client: no extra dependency in the services.
 *
 * @example
 * ```ts
 * const res = await httpsGetJson(`${server.url}/healthz`, { caPem: secrets.ca.certPem, client })
 * ```
 */
export function httpsGetJson(
  url: string,
  opts: { caPem: string; client?: WorkloadIdentity },
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = get(
      url,
      {
        ca: opts.caPem,
        ...(opts.client ? { cert: opts.client.certPem, key: opts.client.keyPem } : {}),
        agent: false,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (text += chunk))
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) })
          } catch (err) {
            reject(err as Error)
          }
        })
      },
    )
    req.on('error', reject)
  })
}
