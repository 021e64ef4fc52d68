/**
 * What the compose `pki-init` job does for RabbitMQ before `exportPki` copies the secrets out:
 * the same `writeDefinitions` as an external broker gets (every broker user's `amqp.json`, one
 * definitions file whose users have no password: they log in with their certificates), addressed to the `rabbitmq` container, and a copy
 * of the definitions in the broker's own secrets folder. The broker imports that file at boot
 * (`load_definitions` in infra/docker/rabbitmq.conf), so it starts with its users, permissions
 * and topology in place — and, because definitions are imported at boot, without a default
 * (guest) user.
 */
import { chmod, copyFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type StackPaths, INFRASTRUCTURE } from '@mythical/stack'
import { writeDefinitions } from '../rabbitmq/write-definitions.ts'

/** Name of the definitions file in `secrets/rabbitmq/` (`/run/secrets/` in the container). */
export const DEFINITIONS_FILE = 'definitions.json'

/** Where workloads dial the broker in compose: its service name on the compose network. */
export const COMPOSE_BROKER_LOCATION = {
  host: 'rabbitmq',
  port: INFRASTRUCTURE.rabbitmq.port,
  vhost: INFRASTRUCTURE.rabbitmq.vhost,
} as const

/**
 * Writes every broker user's `amqp.json` into its secrets folder (location and user name) and
 * `secrets/rabbitmq/definitions.json` (mode 0600).
 *
 * @returns the usernames the definitions declare
 * @example await exportBrokerCredentials(stackPaths()) // ['spiffe://retail.mythical.example/order-fulfillment-api', …]
 */
export async function exportBrokerCredentials(paths: StackPaths): Promise<string[]> {
  const { file, usernames } = await writeDefinitions(paths, COMPOSE_BROKER_LOCATION)
  const target = join(paths.secrets('rabbitmq'), DEFINITIONS_FILE)
  await copyFile(file, target)
  await chmod(target, 0o600)
  return usernames
}
