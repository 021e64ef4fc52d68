import { chmod, cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, credentials } from 'amqplib'
import type { Channel, ChannelModel, ConfirmChannel } from 'amqplib'
import { connectBroker } from '@mythical/broker'
import {
  SECRET_FILES,
  stackPaths,
  type StackPaths,
  INFRASTRUCTURE,
  serviceByName,
  type TrustDomain,
} from '@mythical/stack'
import { ensurePki } from '../../../src/pki/index.ts'
import {
  type NodeInstance,
  provisionNode,
  rabbitmqServer,
  startNode,
  stopNode,
} from '../../../src/rabbitmq/index.ts'
import { recreateBrokerTestVhost } from './broker-test-vhost.ts'

/**
 * The repository's own stack (`.stack/`): PKI ensured, broker started and provisioned, the suite's
 * own vhost declared anew (`broker-test-vhost.ts`). Returns a teardown that stops the node only
 * when this suite started it.
 */
export async function setUpBroker(): Promise<{ paths: StackPaths; tearDown: () => Promise<void> }> {
  const paths = stackPaths()
  await ensurePki(paths)
  const wasRunning = await rabbitmqServer.isRunning(paths)
  await rabbitmqServer.start(paths)
  await rabbitmqServer.provision(paths)
  await recreateBrokerTestVhost(paths)
  return {
    paths,
    tearDown: async () => {
      if (!wasRunning) await rabbitmqServer.stop(paths)
    },
  }
}

/** A second node beside the stack's: its own Erlang name and ports, nothing shared with it. */
export const SEPARATE_NODE: NodeInstance = {
  nodeName: 'mythical-restart-test@localhost',
  port: 56790,
  distPort: 56791,
}

export interface SeparateBroker {
  /** Its own `.stack/` (a copy of the stack's PKI and secrets, `amqp.json` pointing at it). */
  readonly paths: StackPaths
  /** Stops and starts the node, as a crash-free broker restart would. */
  restart(): Promise<void>
  tearDown(): Promise<void>
}

/**
 * Starts a separate, provisioned broker node in a temporary folder, so a test can restart a broker
 * without disturbing the suites and the stack that share the stack's node. Same config, same
 * definitions, same certificate login.
 */
export async function startSeparateBroker(): Promise<SeparateBroker> {
  const shared = stackPaths()
  await ensurePki(shared)
  const root = await mkdtemp(join(tmpdir(), 'mythical-broker-'))
  // The node runs as the `rabbitmq` OS user, which must traverse into the folder.
  await chmod(root, 0o711)
  const paths = stackPaths(root)
  await cp(shared.pki, paths.pki, { recursive: true })
  await cp(join(shared.stack, 'secrets'), join(paths.stack, 'secrets'), { recursive: true })
  await startNode(paths, SEPARATE_NODE)
  await provisionNode(paths, SEPARATE_NODE)
  return {
    paths,
    async restart() {
      await stopNode(paths, SEPARATE_NODE)
      await startNode(paths, SEPARATE_NODE)
    },
    async tearDown() {
      await stopNode(paths, SEPARATE_NODE)
      await rm(root, { recursive: true, force: true })
    },
  }
}

/** The broker's certificate is issued by the retail CA; partner services pin that one. */
const serverCa = (paths: StackPaths) => paths.caCert(INFRASTRUCTURE.rabbitmq.domain)

/**
 * A service's own connection through `@mythical/broker`, as the service itself would open it: on
 * the stack's vhost, or on `vhost` (e.g. the suite's own, `broker-test-vhost.ts`).
 */
export async function connectAs(
  paths: StackPaths,
  service: string,
  vhost?: string,
): Promise<ChannelModel> {
  const conn = await connectBroker(paths.secrets(service), {
    clientName: `test:${service}`,
    serverCaFile: serverCa(paths),
    vhost,
  })
  conn.on('error', () => {})
  return conn
}

export interface RawConnectOptions {
  /** Secrets folder whose client certificate is presented; omit to present none. */
  certOwner?: string
  /** Client certificate and key in PEM, instead of a secrets folder's (e.g. a forged one). */
  certificate?: { certPem: string; keyPem: string }
  /**
   * SASL login. Default: EXTERNAL (the certificate). `plain` sends a user name and password;
   * `claim` is EXTERNAL whose response names a user (RabbitMQ must ignore it).
   */
  login?: { plain: { username: string; password: string } } | { claim: string }
  /** CA the client trusts for the broker's certificate. Default: the right one (retail). */
  trust?: TrustDomain
  protocol?: 'amqp' | 'amqps'
  /** Another node's port (the separate test broker). Default: the stack's. */
  port?: number
}

/** amqplib without the package's guard rails, to present wrong material on purpose. */
export async function rawConnect(
  paths: StackPaths,
  opts: RawConnectOptions,
): Promise<ChannelModel> {
  const read = (owner: string, file: string) => readFile(join(paths.secrets(owner), file))
  const login = opts.login
  const sasl =
    login === undefined
      ? credentials.external()
      : 'plain' in login
        ? credentials.plain(login.plain.username, login.plain.password)
        : {
            mechanism: 'EXTERNAL',
            response: () => Buffer.from(login.claim),
            username: '',
            password: '',
          }
  const clientCertificate = opts.certificate
    ? { cert: opts.certificate.certPem, key: opts.certificate.keyPem }
    : opts.certOwner
      ? {
          cert: await read(opts.certOwner, SECRET_FILES.tlsCert),
          key: await read(opts.certOwner, SECRET_FILES.tlsKey),
        }
      : {}
  const conn = await connect(
    {
      protocol: opts.protocol ?? 'amqps',
      hostname: '127.0.0.1',
      port: opts.port ?? INFRASTRUCTURE.rabbitmq.port,
      vhost: INFRASTRUCTURE.rabbitmq.vhost,
    },
    {
      ca: await readFile(paths.caCert(opts.trust ?? INFRASTRUCTURE.rabbitmq.domain)),
      ...clientCertificate,
      credentials: sasl,
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
