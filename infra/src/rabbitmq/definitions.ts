import { deadLetterExchangeOf } from '@mythical/stack'
import type { BrokerGrant, BrokerTopology } from './grants.ts'

/**
 * Redeliveries after which a quorum queue dead-letters a message instead of handing it out again:
 * a poison message that crashes its consumer cannot loop forever.
 */
export const DELIVERY_LIMIT = 5

/** Suffix of a consumer queue's dead-letter queue: `customers-api.order-placed.dlq`. */
export const DLQ_SUFFIX = '.dlq'

/**
 * Users have no password: they log in with their certificate (SASL EXTERNAL). An empty hash
 * matches no password, so even a PLAIN mechanism switched on by mistake would refuse them.
 */
export const NO_PASSWORD = {
  password_hash: '',
  hashing_algorithm: 'rabbit_password_hashing_sha256',
}

/** The subset of RabbitMQ's definitions format (`rabbitmqctl import_definitions`) we generate. */
export interface RabbitDefinitions {
  users: { name: string; password_hash: string; hashing_algorithm: string; tags: string[] }[]
  vhosts: { name: string }[]
  permissions: { user: string; vhost: string; configure: string; write: string; read: string }[]
  topic_permissions: {
    user: string
    vhost: string
    exchange: string
    write: string
    read: string
  }[]
  exchanges: {
    name: string
    vhost: string
    type: string
    durable: boolean
    auto_delete: boolean
    internal: boolean
    arguments: Record<string, unknown>
  }[]
  queues: {
    name: string
    vhost: string
    durable: boolean
    auto_delete: boolean
    arguments: Record<string, unknown>
  }[]
  bindings: {
    source: string
    vhost: string
    destination: string
    destination_type: 'queue' | 'exchange'
    routing_key: string
    arguments: Record<string, unknown>
  }[]
}

export interface DefinitionsInput {
  readonly vhost: string
  readonly topology: BrokerTopology
  readonly grants: readonly BrokerGrant[]
}

/**
 * Builds the one definitions document that declares the whole broker: vhost, users, permissions,
 * topic permissions, exchanges, queues and bindings. Pure: same input, same output.
 *
 * - exchanges and queues are durable; consumer queues are quorum queues that dead-letter
 *   (rejected, expired or over {@link DELIVERY_LIMIT} deliveries) through the dead-letter exchange
 *   with their own name as routing key, into their own `<queue>.dlq`
 * - the shared dead-letter exchange is `internal`: only the broker itself can route into it
 * - each consumer queue also has its own fanout `<queue>.dlx` into the same `<queue>.dlq`: the
 *   consumer republishes a message it refuses there with the reason in a header (the grants let
 *   only that consumer write to it)
 * - users get no tags (no management or administrator rights) and no password
 *
 * @example
 * ```ts
 * const defs = buildDefinitions({ vhost: 'mythical', topology: BROKER_TOPOLOGY, grants })
 * await writeFile(layout.definitionsFile, JSON.stringify(defs, null, 2))
 * ```
 */
export function buildDefinitions(input: DefinitionsInput): RabbitDefinitions {
  const { vhost, topology, grants } = input
  const dlx = topology.deadLetterExchange
  const users = grants.map((grant) => ({ name: grant.username, ...NO_PASSWORD, tags: [] }))
  const exchange = (name: string, type: string, internal: boolean) => ({
    name,
    vhost,
    type,
    durable: true,
    auto_delete: false,
    internal,
    arguments: {},
  })
  return {
    users,
    vhosts: [{ name: vhost }],
    permissions: grants.map((g) => ({
      user: g.username,
      vhost,
      configure: g.configure,
      write: g.write,
      read: g.read,
    })),
    topic_permissions: grants.flatMap((g) =>
      g.topics.map((t) => ({ user: g.username, vhost, ...t })),
    ),
    exchanges: [
      ...topology.exchanges.map((e) => exchange(e.name, e.type, false)),
      exchange(dlx, 'direct', true),
      ...topology.queues.map((q) => exchange(deadLetterExchangeOf(q.name), 'fanout', false)),
    ],
    queues: topology.queues.flatMap((q) => [
      {
        name: q.name,
        vhost,
        durable: true,
        auto_delete: false,
        arguments: {
          'x-queue-type': 'quorum',
          'x-dead-letter-exchange': dlx,
          'x-dead-letter-routing-key': q.name,
          'x-delivery-limit': DELIVERY_LIMIT,
        },
      },
      {
        name: `${q.name}${DLQ_SUFFIX}`,
        vhost,
        durable: true,
        auto_delete: false,
        arguments: { 'x-queue-type': 'quorum' },
      },
    ]),
    bindings: topology.queues.flatMap((q) => [
      {
        source: q.exchange,
        vhost,
        destination: q.name,
        destination_type: 'queue' as const,
        routing_key: q.routingKey,
        arguments: {},
      },
      {
        source: dlx,
        vhost,
        destination: `${q.name}${DLQ_SUFFIX}`,
        destination_type: 'queue' as const,
        routing_key: q.name,
        arguments: {},
      },
      {
        source: deadLetterExchangeOf(q.name),
        vhost,
        destination: `${q.name}${DLQ_SUFFIX}`,
        destination_type: 'queue' as const,
        routing_key: '',
        arguments: {},
      },
    ]),
  }
}
