/**
 * Address lists (IP allow/deny, trusted proxies) as Node's `net.BlockList`, which matches IPv4,
 * IPv6 and IPv4-mapped IPv6 addresses against CIDR blocks without string tricks.
 */
import { BlockList, isIP } from 'node:net'

/** A set of CIDR blocks (already validated by the policy file). */
export interface AddressList {
  readonly empty: boolean
  has(address: string): boolean
}

/** `::ffff:127.0.0.1` (how Node reports IPv4 peers on a dual-stack socket) → `127.0.0.1`. */
export function plainAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  return mapped?.[1] ?? address
}

/**
 * Builds an {@link AddressList} from CIDR blocks or bare addresses.
 *
 * @example
 * ```ts
 * addressList(['10.0.0.0/8', '::1']).has('10.1.2.3') // true
 * ```
 */
export function addressList(blocks: readonly string[]): AddressList {
  const list = new BlockList()
  for (const block of blocks) {
    const [address = '', prefix] = block.split('/')
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4'
    if (prefix === undefined) list.addAddress(address, type)
    else list.addSubnet(address, Number(prefix), type)
  }
  return {
    empty: blocks.length === 0,
    has(address) {
      const plain = plainAddress(address)
      const family = isIP(plain)
      if (family === 0) return false
      return list.check(plain, family === 6 ? 'ipv6' : 'ipv4')
    },
  }
}

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy; then the
 * `X-Forwarded-For` entries are walked from the right (the ones our proxies appended) past every
 * trusted proxy, and the first untrusted one is the client. Entries a client wrote itself sit
 * further left and are never reached, so a spoofed `X-Forwarded-For` changes nothing.
 *
 * @example
 * ```ts
 * clientAddress('10.0.0.5', '1.2.3.4, 203.0.113.9', addressList(['10.0.0.0/8'])) // '203.0.113.9'
 * clientAddress('198.51.100.7', '127.0.0.1', addressList([]))                 // '198.51.100.7'
 * ```
 */
export function clientAddress(
  socketAddress: string,
  forwardedFor: string | string[] | undefined,
  trustedProxies: AddressList,
): string {
  let current = plainAddress(socketAddress)
  if (trustedProxies.empty || forwardedFor === undefined) return current
  const hops = [forwardedFor]
    .flat()
    .join(',')
    .split(',')
    .map((hop) => hop.trim())
  while (trustedProxies.has(current)) {
    const next = hops.pop()
    // A malformed entry ends the walk: the last trusted proxy is the best we know.
    if (next === undefined || isIP(plainAddress(next)) === 0) return current
    current = plainAddress(next)
  }
  return current
}
