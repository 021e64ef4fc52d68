/** Free loopback ports for servers whose port must be known before they start (e.g. an issuer URL). */
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'

/** A TCP port that was free a moment ago (bound to 0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
