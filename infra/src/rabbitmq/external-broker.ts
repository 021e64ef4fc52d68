import { connect } from 'node:net'
import { type StackPaths, INFRASTRUCTURE } from '@mythical/stack'
import { writeDefinitions } from './write-definitions.ts'

/** A broker run by someone else, from `AMQP_ADMIN_URL` (`amqps://host:port/vhost`). */
export interface ExternalBroker {
  readonly host: string
  readonly port: number
  readonly vhost: string
  /** The URL without user info, safe to print. */
  readonly display: string
}

/**
 * Parses `AMQP_ADMIN_URL`. Only `amqps:` is accepted: the stack never talks to a broker in clear.
 * Throws a `TypeError` naming the variable when it is malformed.
 */
export function parseAdminUrl(value: string): ExternalBroker {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new TypeError('AMQP_ADMIN_URL must be a URL like amqps://broker.example:5671/mythical')
  }
  if (url.protocol !== 'amqps:') throw new TypeError('AMQP_ADMIN_URL must use amqps:')
  const vhost = decodeURIComponent(url.pathname.slice(1)) || INFRASTRUCTURE.rabbitmq.vhost
  const port = url.port === '' ? 5671 : Number(url.port)
  return {
    host: url.hostname,
    port,
    vhost,
    display: `amqps://${url.host}/${encodeURIComponent(vhost)}`,
  }
}

/** Whether something accepts TCP connections at the broker's address (3 s budget). */
export function isReachable(broker: ExternalBroker): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: broker.host, port: broker.port, timeout: 3_000 })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => done(true))
    socket.once('timeout', () => done(false))
    socket.once('error', () => done(false))
  })
}

/**
 * With an external broker the stack does not hold its admin rights, so nothing is changed there:
 * the services' `amqp.json` files and the same definitions file are written, and importing it
 * (`rabbitmqctl import_definitions` or `POST /api/definitions`) is left to that broker's operator.
 */
export async function prepareExternalBroker(paths: StackPaths, broker: ExternalBroker) {
  const { file } = await writeDefinitions(paths, {
    host: broker.host,
    port: broker.port,
    vhost: broker.vhost,
  })
  return {
    file,
    message:
      `AMQP_ADMIN_URL is set: not provisioning ${broker.display} automatically. ` +
      `Import ${file} into it (rabbitmqctl import_definitions, or POST /api/definitions), ` +
      'delete its guest user, and require TLS client certificates from the retail and shipping CAs.',
  }
}
