/**
 * An undici dispatcher that sends requests addressed to a public origin to that service's network
 * location (ADR 0003): the URL, the Host header and the TLS server name stay the public ones, while
 * the TCP connection goes to where the service is reachable from here (`https://gateway:8443` in
 * compose). The gateway checks a DPoP proof's `htu` against its public address, and the IdP names
 * its endpoints after the Host it was asked at — the browser must be sent to `localhost:4000`,
 * not to `idp:4000`. Connections to any other host are made as they are; certificates are
 * verified against `ca` either way.
 *
 * @example publicOriginDialer({ routes: [['https://localhost:8443', 'https://gateway:8443']], ca })
 */
import { Agent, buildConnector } from 'undici'

/** A public origin and where to connect for it (none: the origin itself). */
export type PublicOriginRoute = readonly [origin: string, location: string | undefined]

export interface PublicOriginDialerOptions {
  readonly routes: readonly PublicOriginRoute[]
  readonly ca: string
}

const hostAndPort = (url: URL) => `${url.hostname}:${url.port || '443'}`

export function publicOriginDialer({ routes, ca }: PublicOriginDialerOptions): Agent {
  const connector = buildConnector({ ca })
  const locations = new Map(
    routes.map(([origin, location]) => [hostAndPort(new URL(origin)), new URL(location ?? origin)]),
  )
  return new Agent({
    connect: (options, callback) => {
      const to = locations.get(`${options.hostname}:${String(options.port || '443')}`)
      connector(
        to
          ? {
              ...options,
              hostname: to.hostname,
              port: to.port || '443',
              servername: options.hostname,
            }
          : options,
        callback,
      )
    },
  })
}
