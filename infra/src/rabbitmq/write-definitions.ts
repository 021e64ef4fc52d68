import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { BrokerCredentials } from '@mythical/broker'
import { type StackPaths, BROKER_TOPOLOGY, INFRASTRUCTURE } from '@mythical/stack'
import { writeBrokerCredentials } from './credentials-file.ts'
import { buildDefinitions } from './definitions.ts'
import { brokerGrants } from './grants.ts'
import { rabbitmqLayout, STACK_NODE, type NodeInstance } from './layout.ts'
import { writeNodePrivateFile } from './prepare-node.ts'

/**
 * Where services dial a node of the stack: it listens on loopback only, and workload certificates
 * carry the `127.0.0.1` IP SAN.
 */
export const localBrokerLocation = (instance: NodeInstance = STACK_NODE) =>
  ({ host: '127.0.0.1', port: instance.port, vhost: INFRASTRUCTURE.rabbitmq.vhost }) as const

/** Where services dial the stack's own node. */
export const LOCAL_BROKER_LOCATION = localBrokerLocation()

/**
 * Definitions of the consumer-test vhost that checkouts wrote before the broker tests got their
 * own vhost, provisioned by the suites (infra/test/test-vhost.ts): nothing reads it any more.
 */
const RETIRED_FILES = ['consumer-tests-definitions.json']

/**
 * Writes every broker user's `amqp.json` (location and user name, no secret) and the broker's
 * definitions file (`.stack/rabbitmq/definitions.json`, mode 0600).
 *
 * @returns The definitions file and the usernames it declares.
 */
export async function writeDefinitions(
  paths: StackPaths,
  location: Omit<BrokerCredentials, 'username'>,
): Promise<{ file: string; usernames: string[] }> {
  const layout = rabbitmqLayout(paths)
  const grants = brokerGrants()
  for (const grant of grants) {
    await writeBrokerCredentials(paths.secrets(grant.owner), {
      ...location,
      username: grant.username,
    })
  }
  const definitions = buildDefinitions({ vhost: location.vhost, topology: BROKER_TOPOLOGY, grants })
  await mkdir(layout.base, { recursive: true, mode: 0o750 })
  await writeNodePrivateFile(layout.definitionsFile, `${JSON.stringify(definitions, null, 2)}\n`)
  for (const file of RETIRED_FILES) await rm(join(layout.base, file), { force: true })
  return { file: layout.definitionsFile, usernames: grants.map((g) => g.username) }
}
