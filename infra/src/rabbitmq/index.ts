/**
 * The stack's RabbitMQ: a dedicated node (never the machine's shared one), TLS-only with mutual
 * TLS, one least-privilege user per service that logs in with its certificate alone (SASL
 * EXTERNAL, user = the certificate's SPIFFE id), topology from one generated definitions file.
 *
 * `AMQP_ADMIN_URL=amqps://host:port/vhost` switches to a broker someone else runs: nothing is
 * started or stopped, and provisioning writes the credentials and definitions files but leaves
 * importing them to that broker's operator (see `external-broker.ts`).
 *
 * @module
 */
import { withFileLock } from '../file-lock.ts'
import type { InfrastructureServer } from '../infrastructure.ts'
import type { StackPaths } from '@mythical/stack'
import { RabbitmqLockTimeout } from './errors.ts'
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

/**
 * Two boots on one data directory hang the node (seen: a definitions import stuck forever), so
 * start, provision and stop of the local node are serialised. Boot takes seconds; wait 3 minutes.
 */
const withNodeLock = <T>(paths: StackPaths, fn: () => Promise<T>): Promise<T> =>
  withFileLock(
    rabbitmqLayout(paths).lock,
    {
      waitMs: 180_000,
      timeoutError: (f) =>
        new RabbitmqLockTimeout(`${f} is held by another process: is a start still running?`),
    },
    fn,
  )

/** Lifecycle of the stack's RabbitMQ, for the runner (`stack:up` / `stack:down`) and tests. */
export const rabbitmqServer: InfrastructureServer = {
  name: 'rabbitmq',
  async start(paths) {
    const external = externalBroker()
    if (external) {
      console.info(`rabbitmq: AMQP_ADMIN_URL is set, using ${external.display} (not starting one)`)
      return
    }
    await withNodeLock(paths, () => startNode(paths))
  },
  async provision(paths) {
    const external = externalBroker()
    if (external) {
      console.warn(`rabbitmq: ${(await prepareExternalBroker(paths, external)).message}`)
      return
    }
    await withNodeLock(paths, () => provisionNode(paths))
  },
  async isRunning(paths) {
    const external = externalBroker()
    if (external) return isReachable(external)
    return (await runningNodePid(rabbitmqLayout(paths))) !== undefined
  },
  async stop(paths) {
    if (externalBroker()) return
    await withNodeLock(paths, () => stopNode(paths))
  },
}

export { buildDefinitions, DELIVERY_LIMIT, DLQ_SUFFIX } from './definitions.ts'
export type { DefinitionsInput, RabbitDefinitions } from './definitions.ts'
export { brokerGrants, NOTHING, PROBE_OWNER } from './grants.ts'
export type { BrokerGrant, BrokerTopology } from './grants.ts'
export { NODE_NAME, rabbitmqLayout, STACK_NODE } from './layout.ts'
export type { NodeInstance } from './layout.ts'
export { CLIENT_DOMAINS } from './prepare-node.ts'
export { LOCAL_BROKER_LOCATION, localBrokerLocation } from './write-definitions.ts'
/** Lifecycle of another node instance (a test's own broker), without the stack's node lock. */
export { startNode, stopNode, provisionNode }
export {
  RabbitmqCommandFailed,
  RabbitmqError,
  RabbitmqLockTimeout,
  RabbitmqNotInstalled,
  RabbitmqPkiMissing,
  RabbitmqStopFailed,
} from './errors.ts'
export type { RabbitmqErrorCode } from './errors.ts'
