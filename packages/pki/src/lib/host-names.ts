import { isIP } from 'node:net'

/** DNS SANs when none are given: the loopback name, as every local listener binds to it. */
export const DEFAULT_DNS_NAMES: readonly string[] = ['localhost']
/** IP SANs when none are given: IPv4 and IPv6 loopback. */
export const DEFAULT_IP_ADDRESSES: readonly string[] = ['127.0.0.1', '::1']

const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i

/** Throws `TypeError` naming the first malformed DNS name or IP address. */
export function assertHostNames(
  dnsNames: readonly unknown[],
  ipAddresses: readonly unknown[],
): void {
  for (const name of dnsNames) {
    if (typeof name !== 'string' || !DNS_NAME.test(name)) {
      throw new TypeError(`"dnsNames" option has an invalid DNS name: ${String(name)}`)
    }
  }
  for (const ip of ipAddresses) {
    if (typeof ip !== 'string' || isIP(ip) === 0) {
      throw new TypeError(`"ipAddresses" option has an invalid IP address: ${String(ip)}`)
    }
  }
}
