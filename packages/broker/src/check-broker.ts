import type { ChannelModel } from 'amqplib'
import { BrokerCheckFailed } from './errors.ts'

/**
 * Health check of an open broker connection: opens and closes a channel, which needs a live TLS
 * session, an authenticated user and access to the vhost. Grants no rights of its own.
 *
 * @throws {BrokerCheckFailed} with the broker's answer as `cause`.
 *
 * @example
 * ```ts
 * await checkBroker(conn) // in a readiness probe
 * ```
 */
export async function checkBroker(conn: ChannelModel): Promise<void> {
  try {
    const channel = await conn.createChannel()
    await channel.close()
  } catch (cause) {
    throw new BrokerCheckFailed('the broker connection is not usable', { cause })
  }
}
