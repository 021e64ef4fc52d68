/**
 * The integration suites' own corner of the real PostgreSQL and RabbitMQ, so they run beside a
 * running stack without racing its relay and consumers: a vhost {@link CONSUMER_TEST_VHOST} with
 * the stack's topology and its least-privilege grants, and for every party of `order.placed` a
 * copy of its database ({@link consumerTestDatabase}, same owner role, same migrations, CONNECT
 * for its own role only). `infra/test/global-setup.ts` provisions both before the suites run.
 *
 * Each party connects as itself (its workload certificate, SASL EXTERNAL / certificate login):
 * only the vhost and the database name differ from the stack's.
 *
 * @module
 */
import type { ChannelModel } from 'amqplib'
import type pg from 'pg'
import { connectBroker } from '@mythical/broker'
import { createDatabasePool } from '@mythical/db'
import { serviceByName, stackPaths } from '@mythical/stack'
import { ORDER_PLACED_SUBSCRIBERS } from '../order-placed.ts'
import { ORDER_PLACED_PUBLISHER, orderPlacedQueue } from '../order-placed-endpoints.ts'
import type { OrderPlacedSubscriber } from '../order-placed-endpoints.ts'

/** The integration suites' vhost: the stack's exchanges, queues and permissions, none of its messages. */
export const CONSUMER_TEST_VHOST = 'mythical-consumer-tests'

/** Every service with a database of its own in the suites' corner: the publisher and the subscribers. */
export const CONSUMER_TEST_SERVICES: readonly string[] = [
  ORDER_PLACED_PUBLISHER,
  ...Object.keys(ORDER_PLACED_SUBSCRIBERS),
]

/** The suites' copy of `service`'s database: `customers` → `customers_consumer_tests`. */
export function consumerTestDatabase(service: string): string {
  const { database } = serviceByName(service)
  if (database === undefined) throw new TypeError(`${service} has no database`)
  return `${database}_consumer_tests`
}

const paths = stackPaths()
/** The broker's and the database server's certificates are issued by the retail CA. */
const serverCaFile = paths.caCert('retail')

/** `service`'s own broker login, on the suites' vhost. */
export async function connectTestBroker(service: string): Promise<ChannelModel> {
  const conn = await connectBroker(paths.secrets(service), {
    serverCaFile,
    vhost: CONSUMER_TEST_VHOST,
    clientName: `${service} (consumer tests)`,
  })
  conn.on('error', () => {})
  return conn
}

/** `service`'s own database login, on the suites' copy of its database. */
export function testDatabasePool(service: string): pg.Pool {
  return createDatabasePool(paths.secrets(service), {
    serverCaFile,
    database: consumerTestDatabase(service),
  })
}

/**
 * Every subscriber's queue on the suites' vhost fills with each published order; after a suite,
 * the queues of the subscribers it did not run are emptied, each with its owner's own login.
 */
export async function drainOtherSubscribers(ran: OrderPlacedSubscriber): Promise<void> {
  for (const service of Object.keys(ORDER_PLACED_SUBSCRIBERS) as OrderPlacedSubscriber[]) {
    if (service === ran) continue
    const conn = await connectTestBroker(service)
    try {
      const channel = await conn.createChannel()
      await channel.purgeQueue(orderPlacedQueue(service))
    } finally {
      await conn.close()
    }
  }
}
