import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connect } from 'amqplib'
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib'
import { connectBroker, readBrokerCredentials } from '@mythical/broker'
import {
  SECRET_FILES,
  stackPaths,
  type StackPaths,
  INFRASTRUCTURE,
  serviceByName,
  type TrustDomain,
} from '@mythical/stack'
import { ensurePki } from '../../../src/pki/index.ts'
import { rabbitmqServer } from '../../../src/rabbitmq/index.ts'

/**
 * The repository's own stack (`.stack/`): PKI ensured, broker started and provisioned. Returns a
 * teardown that stops the node only when this suite started it.
 */
export async function setUpBroker(): Promise<{ paths: StackPaths; tearDown: () => Promise<void> }> {
  const paths = stackPaths()
  await ensurePki(paths)
  const wasRunning = await rabbitmqServer.isRunning(paths)
  await rabbitmqServer.start(paths)
  await rabbitmqServer.provision(paths)
  return {
    paths,
    tearDown: async () => {
      if (!wasRunning) await rabbitmqServer.stop(paths)
    },
  }
}

/** The broker's certificate is issued by the retail CA; partner services pin that one. */
const serverCa = (paths: StackPaths) => paths.caCert(INFRASTRUCTURE.rabbitmq.domain)

/** A service's own connection through `@mythical/broker`, as the service itself would open it. */
export async function connectAs(paths: StackPaths, service: string): Promise<ChannelModel> {
  const conn = await connectBroker(paths.secrets(service), {
    clientName: `test:${service}`,
    serverCaFile: serverCa(paths),
  })
  conn.on('error', () => {})
  return conn
}

export interface RawConnectOptions {
  /** Secrets folder whose client certificate is presented; omit to present none. */
  certOwner?: string
  /** Broker user; default: the cert owner's own credentials. */
  username?: string
  password?: string
  /** CA the client trusts for the broker's certificate. Default: the right one (retail). */
  trust?: TrustDomain
  protocol?: 'amqp' | 'amqps'
}

/** amqplib without the package's guard rails, to present wrong material on purpose. */
export async function rawConnect(
  paths: StackPaths,
  opts: RawConnectOptions,
): Promise<ChannelModel> {
  const ownNeeded = opts.certOwner && (opts.username === undefined || opts.password === undefined)
  const own = ownNeeded
    ? await readBrokerCredentials(paths.secrets(opts.certOwner ?? ''))
    : undefined
  const read = (owner: string, file: string) => readFile(join(paths.secrets(owner), file))
  const conn = await connect(
    {
      protocol: opts.protocol ?? 'amqps',
      hostname: '127.0.0.1',
      port: INFRASTRUCTURE.rabbitmq.port,
      vhost: INFRASTRUCTURE.rabbitmq.vhost,
      username: opts.username ?? own?.username ?? 'nobody',
      password: opts.password ?? own?.password ?? 'nothing',
    },
    {
      ca: await readFile(paths.caCert(opts.trust ?? INFRASTRUCTURE.rabbitmq.domain)),
      ...(opts.certOwner && {
        cert: await read(opts.certOwner, SECRET_FILES.tlsCert),
        key: await read(opts.certOwner, SECRET_FILES.tlsKey),
      }),
      timeout: 5_000,
    },
  )
  conn.on('error', () => {})
  return conn
}

/** Resolves with the error the broker closes `channel` with (amqplib emits it as `'error'`). */
export function nextChannelError(channel: Channel): Promise<ChannelError> {
  return new Promise((resolve) => channel.once('error', resolve))
}

/** The queue a consumer service owns, read off the stack manifest. */
export function queueOf(service: string): string {
  const queue = serviceByName(service).broker?.consumes?.[0]
  if (!queue) throw new TypeError(`${service} consumes no queue`)
  return queue
}

/**
 * Polls `basic.get` until the message with `messageId` arrives or `timeoutMs` passes. Other
 * messages (leftovers of earlier runs) are acked and dropped: test queues hold nothing of value.
 */
export async function getMessage(
  channel: Channel,
  queue: string,
  messageId: string,
  timeoutMs = 5_000,
) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const message = await channel.get(queue, { noAck: false })
    if (message && message.properties.messageId === messageId) return message
    if (message) channel.ack(message)
    else await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return undefined
}

export type ChannelError = Error & { code?: number }

/**
 * Runs `operation` on a fresh confirm channel of `conn` and resolves with the error the broker
 * closes the channel with; rejects if the broker lets the operation through within 5 s.
 */
export async function brokerRefusal(
  conn: ChannelModel,
  operation: (channel: ConfirmChannel) => Promise<unknown>,
): Promise<ChannelError> {
  const channel = await conn.createConfirmChannel()
  const closed = nextChannelError(channel)
  const settled = operation(channel).then(
    () => 'accepted' as const,
    () => 'refused' as const,
  )
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 5_000, 'timeout'))
  const outcome = await Promise.race([settled, closed.then(() => 'refused' as const), timeout])
  if (outcome !== 'refused') throw new Error(`the broker did not refuse the operation (${outcome})`)
  return closed
}
