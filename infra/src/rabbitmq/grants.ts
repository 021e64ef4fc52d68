import {
  BROKER_TOPOLOGY,
  INFRASTRUCTURE,
  SERVICES,
  deadLetterExchangeOf,
  workloadId,
  type ServiceDefinition,
} from '@mythical/stack'

/** The broker topology shape of `BROKER_TOPOLOGY` (`infra/src/stack.ts`). */
export interface BrokerTopology {
  readonly exchanges: readonly { readonly name: string; readonly type: string }[]
  readonly deadLetterExchange: string
  readonly queues: readonly {
    readonly name: string
    readonly exchange: string
    readonly routingKey: string
  }[]
}

/**
 * What one broker user may do, as RabbitMQ permission regexes on resource names
 * (`configure` = declare/delete, `write` = publish to an exchange / bind, `read` = consume/get/purge)
 * plus topic permissions (routing keys it may publish with on a topic exchange).
 */
export interface BrokerGrant {
  /**
   * The workload id its certificate carries as first URI SAN, which the broker takes as the user
   * name (SASL EXTERNAL), e.g. `spiffe://retail.mythical.example/order-fulfillment-api`.
   */
  readonly username: string
  /** The service (or operator identity) whose `secrets/<owner>/` holds that certificate. */
  readonly owner: string
  readonly configure: string
  readonly write: string
  readonly read: string
  readonly topics: readonly {
    readonly exchange: string
    readonly write: string
    readonly read: string
  }[]
}

/**
 * Grants no right. RabbitMQ has no "deny"; this regex matches only the empty name, which no
 * resource has (the default exchange is checked as `amq.default`, server-named queues as
 * `amq.gen-…`).
 */
export const NOTHING = '^$'

/** Operator identity used by the runner's health probe: may open a connection, nothing else. */
export const PROBE_OWNER = `stack-probe-${INFRASTRUCTURE.rabbitmq.domain}`

const escapeRegex = (name: string): string => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A regex matching exactly these names (anchored, metacharacters escaped). */
function exactly(names: readonly string[], suffix = ''): string {
  if (names.length === 0) return NOTHING
  const alternatives = names.map(escapeRegex)
  const body = alternatives.length === 1 ? alternatives[0] : `(${alternatives.join('|')})`
  return `^${body}${suffix}$`
}

function grantFor(service: ServiceDefinition, topology: BrokerTopology): BrokerGrant | undefined {
  if (!service.broker) return undefined
  const publishes = service.broker.publishes ?? []
  const consumes = service.broker.consumes ?? []
  for (const exchange of publishes) {
    if (!topology.exchanges.some((e) => e.name === exchange)) {
      throw new TypeError(`${service.name}: broker.publishes names unknown exchange "${exchange}"`)
    }
  }
  for (const queue of consumes) {
    if (!topology.queues.some((q) => q.name === queue)) {
      throw new TypeError(`${service.name}: broker.consumes names unknown queue "${queue}"`)
    }
  }
  const topics = publishes
    .filter((exchange) => topology.exchanges.some((e) => e.name === exchange && e.type === 'topic'))
    .map((exchange) => {
      const keys = [
        ...new Set(topology.queues.filter((q) => q.exchange === exchange).map((q) => q.routingKey)),
      ]
      return { exchange, write: exactly(keys), read: NOTHING }
    })
  return {
    username: workloadId(service.domain, service.name),
    owner: service.name,
    // Topology comes from the definitions file only; no service may declare or delete anything.
    configure: NOTHING,
    // A publisher writes to its exchanges; a consumer only to its own queues' dead-letter exchange.
    write: exactly([...publishes, ...consumes.map(deadLetterExchangeOf)]),
    // A consumer reads its own queue and that queue's dead letters, nothing else.
    read: exactly(consumes, '(\\.dlq)?'),
    topics,
  }
}

/**
 * Least-privilege grants for every service with a `broker` entry, plus the health-probe identity.
 * Throws a `TypeError` when a service names an exchange or queue the topology does not declare.
 *
 * @example
 * ```ts
 * brokerGrants().find((g) => g.owner === 'order-fulfillment-api')
 * // → { configure: '^$', write: '^orders$', read: '^$', topics: [{ exchange: 'orders', write: '^order\\.placed$', read: '^$' }] }
 * ```
 */
export function brokerGrants(
  services: readonly ServiceDefinition[] = SERVICES,
  topology: BrokerTopology = BROKER_TOPOLOGY,
): BrokerGrant[] {
  const grants = services.flatMap((s) => grantFor(s, topology) ?? [])
  const probe: BrokerGrant = {
    username: workloadId(INFRASTRUCTURE.rabbitmq.domain, 'stack-probe'),
    owner: PROBE_OWNER,
    configure: NOTHING,
    write: NOTHING,
    read: NOTHING,
    topics: [],
  }
  return [...grants, probe]
}
