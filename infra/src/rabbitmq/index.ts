/**
 * The stack's RabbitMQ: a dedicated node (never the machine's shared one), TLS-only with mutual
 * TLS, one least-privilege user per service, topology from one generated definitions file.
 *
 * `AMQP_ADMIN_URL=amqps://host:port/vhost` switches to a broker someone else runs: nothing is
 * started or stopped, and provisioning writes the credentials and definitions files but leaves
 * importing them to that broker's operator (see `external-broker.ts`).
 *
 * @module
 */
import type { InfrastructureServer } from '../infrastructure.ts'
import { isReachable, parseAdminUrl, prepareExternalBroker } from './external-broker.ts'
import type { ExternalBroker } from './external-broker.ts'
import { rabbitmqLayout } from './layout.ts'
import { runningNodePid } from './node-process.ts'
import { provisionNode } from './provision-node.ts'
import { startNode } from './start-node.ts'
import { stopNode } from './stop-node.ts'

function externalBroker(): ExternalBroker | undefined {
  const url = process.env.AMQP_ADMIN_URL
  return url ? parseAdminUrl(url) : undefined
}

/** Lifecycle of the stack's RabbitMQ, for the runner (`stack:up` / `stack:down`) and tests. */
export const rabbitmqServer: InfrastructureServer = {
  name: 'rabbitmq',
  async start(paths) {
    const external = externalBroker()
    if (external) {
      console.info(`rabbitmq: AMQP_ADMIN_URL is set, using ${external.display} (not starting one)`)
      return
    }
    await startNode(paths)
  },
  async provision(paths) {
    const external = externalBroker()
    if (external) {
      console.warn(`rabbitmq: ${(await prepareExternalBroker(paths, external)).message}`)
      return
    }
    await provisionNode(paths)
  },
  async isRunning(paths) {
    const external = externalBroker()
    if (external) return isReachable(external)
    return (await runningNodePid(rabbitmqLayout(paths))) !== undefined
  },
  async stop(paths) {
    if (externalBroker()) return
    await stopNode(paths)
  },
}

export { buildDefinitions, DELIVERY_LIMIT, DLQ_SUFFIX } from './definitions.ts'
export type { DefinitionsInput, RabbitDefinitions } from './definitions.ts'
export { brokerGrants, NOTHING, PROBE_OWNER } from './grants.ts'
export type { BrokerGrant, BrokerTopology } from './grants.ts'
export { NODE_NAME, rabbitmqLayout } from './layout.ts'
export { CLIENT_DOMAINS } from './prepare-node.ts'
export { LOCAL_BROKER_LOCATION } from './write-definitions.ts'
export { rabbitPasswordHash } from './password-hash.ts'
export {
  RabbitmqCommandFailed,
  RabbitmqError,
  RabbitmqNotInstalled,
  RabbitmqPkiMissing,
  RabbitmqStopFailed,
} from './errors.ts'
export type { RabbitmqErrorCode } from './errors.ts'
