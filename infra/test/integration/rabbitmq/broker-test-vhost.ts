/**
 * The broker suite's own vhost on the stack's node: the tests that publish and read messages run
 * there, so a running stack's consumers never take their messages, while the users, their
 * certificate login and their grants stay the stack's own (`infra/test/test-vhost.ts`).
 */
import type { StackPaths } from '@mythical/stack'
import { rabbitmqctl } from '../../../src/rabbitmq/commands.ts'
import { rabbitmqLayout } from '../../../src/rabbitmq/index.ts'
import { provisionTestVhost } from '../../test-vhost.ts'

export const BROKER_TEST_VHOST = 'mythical-broker-tests'

/** One row of `rabbitmqctl list_* --formatter json`. */
export type Row = Record<string, unknown>

const listJson = async (paths: StackPaths, args: readonly string[]) =>
  JSON.parse(await rabbitmqctl(rabbitmqLayout(paths), [...args, '--formatter', 'json'])) as Row[]

/**
 * Declares {@link BROKER_TEST_VHOST} anew: dropping it first leaves no message of an earlier run
 * in any of its queues (nobody reads the other subscribers' queues there) and no queue declared
 * with arguments the current definitions no longer give it.
 */
export async function recreateBrokerTestVhost(paths: StackPaths): Promise<void> {
  const vhosts = (await listJson(paths, ['list_vhosts', 'name'])) as { name: string }[]
  if (vhosts.some(({ name }) => name === BROKER_TEST_VHOST)) {
    await rabbitmqctl(rabbitmqLayout(paths), ['delete_vhost', BROKER_TEST_VHOST])
  }
  await provisionTestVhost(paths, BROKER_TEST_VHOST)
}

/** What a vhost declares, as the node reports it, each list in a stable order. */
export interface VhostDeclarations {
  permissions: Row[]
  topicPermissions: Row[]
  exchanges: Row[]
  queues: Row[]
  bindings: Row[]
}

const sorted = (rows: Row[]) =>
  rows
    .map((row) => JSON.stringify(row))
    .sort()
    .map((row) => JSON.parse(row) as Row)

/** Reads `vhost`'s grants and topology back from the running node. */
export async function vhostDeclarations(
  paths: StackPaths,
  vhost: string,
): Promise<VhostDeclarations> {
  const list = async (...args: string[]) => sorted(await listJson(paths, [...args, '-p', vhost]))
  const [permissions, topicPermissions, exchanges, queues, bindings] = await Promise.all([
    list('list_permissions'),
    list('list_topic_permissions'),
    list('list_exchanges', 'name', 'type', 'internal', 'durable', 'auto_delete', 'arguments'),
    list('list_queues', 'name', 'durable', 'auto_delete', 'arguments'),
    list(
      'list_bindings',
      'source_name',
      'destination_name',
      'destination_kind',
      'routing_key',
      'arguments',
    ),
  ])
  return { permissions, topicPermissions, exchanges, queues, bindings }
}
