/**
 * The client address sign-in throttling and rate limits are keyed by: the TCP peer of the edge
 * listener (the IdP is itself the edge — no proxy header is trusted, so a client cannot choose
 * its own key). IPv4-mapped IPv6 is unwrapped; an IPv6 address counts as its /64, the block one
 * subscriber usually holds, so rotating through it does not buy fresh budgets.
 */
import { isIPv6 } from 'node:net'
import type { IncomingMessage } from 'node:http'

/** Expand an IPv6 address to its eight 16-bit groups. */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const missing = tail === undefined ? 0 : 8 - left.length - right.length
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) =>
    g.toLowerCase().padStart(4, '0'),
  )
}

/**
 * Normalise a peer address.
 *
 * @example
 * ```ts
 * clientAddressKey('::ffff:192.0.2.10') // '192.0.2.10'
 * clientAddressKey('2001:db8::1')       // '2001:0db8:0000:0000::/64'
 * ```
 */
export function clientAddressKey(address: string | undefined): string {
  if (!address) return 'unknown'
  const unmapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  if (unmapped) return unmapped
  if (!isIPv6(address)) return address
  return `${ipv6Groups(address.split('%')[0] ?? '')
    .slice(0, 4)
    .join(':')}::/64`
}

/** The normalised address of the request's peer. */
export function clientAddress(req: IncomingMessage): string {
  return clientAddressKey(req.socket.remoteAddress)
}
