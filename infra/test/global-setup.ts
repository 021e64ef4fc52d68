/**
 * Global set-up of `pnpm test:integration` (node:test `--test-global-setup`, Node 24): the dev
 * PKI and the stack's own PostgreSQL and RabbitMQ, started once for every integration suite and
 * provisioned (both idempotent, so a stack that is already up is simply reused).
 *
 * Teardown stops only the servers this set-up started: a developer's running stack survives a
 * test run. `stack:down` follows the same rule (it stops only what `stack:up` started), so the
 * stack suite can bring services up and down without taking the shared servers away from the
 * suites that run after it.
 *
 * With `DOCKER_HOST` set (a reachable Docker engine, e.g. `pnpm docker:engine start`), PostgreSQL
 * and RabbitMQ run as containers instead (testcontainers, same TLS and certificate-login
 * configuration: infra/src/docker/test-infrastructure.ts), and the teardown removes them. The run
 * prints which one it uses first.
 *
 * The event consumer suites get a vhost and databases of their own on the same servers
 * (`consumer-test-isolation.ts`), so they run whether or not a stack is up.
 */
import { stackPaths, type Infrastructure } from '@mythical/stack'
import { ensurePki } from '../src/pki/index.ts'
import { ensureInfrastructure, stopInfrastructure } from '../src/runner/infrastructure.ts'
import {
  startContainerInfrastructure,
  type ContainerInfrastructure,
} from '../src/docker/test-infrastructure.ts'
import { provisionConsumerTestIsolation } from './consumer-test-isolation.ts'

const paths = stackPaths()
const started: Record<Infrastructure, boolean> = { postgres: false, rabbitmq: false }
const dockerHost = process.env.DOCKER_HOST
let containers: ContainerInfrastructure | undefined

export async function globalSetup(): Promise<void> {
  if (dockerHost) {
    console.info(
      `infrastructure: PostgreSQL and RabbitMQ containers (testcontainers, DOCKER_HOST=${dockerHost})`,
    )
    containers = await startContainerInfrastructure(paths, (line) => console.info(line))
    await provisionConsumerTestIsolation(paths, containers.rabbitmqctl)
    return
  }
  console.info('infrastructure: local PostgreSQL and RabbitMQ binaries (DOCKER_HOST not set)')
  await ensurePki(paths)
  await ensureInfrastructure(paths, { started })
  await provisionConsumerTestIsolation(paths)
}

export async function globalTeardown(): Promise<void> {
  if (containers) {
    await containers.stop()
    return
  }
  await stopInfrastructure(
    paths,
    (Object.keys(started) as Infrastructure[]).filter((name) => started[name]),
  )
}
