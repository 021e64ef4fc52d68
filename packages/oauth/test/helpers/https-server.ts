/**
 * A throw-away HTTPS server with its own in-memory CA, on an ephemeral port: the JWKS endpoint or
 * authorization server of a unit test, over real TLS.
 */
import { createServer } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createCertificateAuthority, issueWorkloadCertificate } from '@mythical/pki'

export interface TestServer {
  readonly url: string
  readonly caPem: string
  /** Requests answered so far. */
  readonly hits: () => number
  close(): Promise<void>
}

export async function startHttpsServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const ca = await createCertificateAuthority({ name: 'test oauth CA' })
  const leaf = await issueWorkloadCertificate(ca, {
    spiffeId: 'spiffe://retail.mythical.example/test-server',
  })
  let hits = 0
  const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    hits += 1
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `https://localhost:${port}`,
    caPem: ca.certPem,
    hits: () => hits,
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
