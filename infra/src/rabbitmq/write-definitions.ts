import { mkdir } from 'node:fs/promises'
import type { BrokerCredentials } from '@mythical/broker'
import { type StackPaths, BROKER_TOPOLOGY, INFRASTRUCTURE } from '@mythical/stack'
import { writeBrokerCredentials } from './credentials-file.ts'
import { buildDefinitions } from './definitions.ts'
import { brokerGrants } from './grants.ts'
import { rabbitmqLayout } from './layout.ts'
import { rabbitPasswordHash } from './password-hash.ts'
import { writeNodePrivateFile } from './prepare-node.ts'

/**
 * Where services dial the stack's own node: it listens on loopback only, and workload certificates
 * carry the `127.0.0.1` IP SAN.
 */
export const LOCAL_BROKER_LOCATION = {
  host: '127.0.0.1',
  port: INFRASTRUCTURE.rabbitmq.port,
  vhost: INFRASTRUCTURE.rabbitmq.vhost,
} as const

/**
 * Ensures every broker user's `amqp.json` (reusing existing passwords) and writes the broker's
 * definitions file (`.stack/rabbitmq/definitions.json`, mode 0600, password hashes only).
 *
 * @returns The definitions file and the usernames it declares.
 */
export async function writeDefinitions(
  paths: StackPaths,
  location: Omit<BrokerCredentials, 'username' | 'password'>,
): Promise<{ file: string; usernames: string[] }> {
  const layout = rabbitmqLayout(paths)
  const grants = brokerGrants()
  const passwordHashes: Record<string, string> = {}
  for (const grant of grants) {
    const credentials = await writeBrokerCredentials(paths.secrets(grant.owner), {
      ...location,
      username: grant.username,
    })
    passwordHashes[grant.username] = rabbitPasswordHash(credentials.password)
  }
  const definitions = buildDefinitions({
    vhost: location.vhost,
    topology: BROKER_TOPOLOGY,
    grants,
    passwordHashes,
  })
  await mkdir(layout.base, { recursive: true, mode: 0o750 })
  await writeNodePrivateFile(layout.definitionsFile, `${JSON.stringify(definitions, null, 2)}\n`)
  return { file: layout.definitionsFile, usernames: grants.map((g) => g.username) }
}
